// main.ts imports this first: tracing must start before `http` servers and `pg` are set up (docs/observability.md#traces).
import { startTracing } from '@stagecraft/observability';

startTracing('gateway');
