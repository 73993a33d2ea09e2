// main.ts imports this before anything that loads a library (defer-unused-modules loads none): tracing must start before `pg` is loaded (docs/observability.md#traces).
import { startTracing } from '@stagecraft/observability';

startTracing('jobs');
