// main.ts imports this first: tracing must start before `pg` is loaded (docs/observability.md#traces).
import { startTracing } from '@stagecraft/observability';

startTracing('jobs');
