/**
 * The assembling process of bench/image-assembly.bench.ts, standing in for the builds service:
 * forked with `-r bench/register.cjs`, it loads @stagecraft/oci, says `ready`, and on each
 * `{ assemble: request }` message runs one ImageAssembler.assemble and answers the result, so the
 * parent can sample this process's RSS around exactly that call. `{ exit: true }` ends it.
 */
import { type AssembleImageRequest, ImageAssembler } from '@stagecraft/oci';

interface Command {
  assemble?: Pick<AssembleImageRequest, 'baseImage' | 'targetImage' | 'packageFile' | 'techStack'>;
  exit?: boolean;
}

const assembler = new ImageAssembler();

function send(message: unknown): void {
  process.send?.(message);
}

process.on('message', (command: Command) => {
  if (command.exit) {
    process.disconnect?.();
    return;
  }
  if (!command.assemble) return;
  const started = process.hrtime.bigint();
  assembler.assemble(command.assemble).then(
    (image) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      send({
        done: {
          seconds,
          reference: image.reference,
          digest: image.digest,
          layers: image.layers.map((layer) => ({ size: layer.size, origin: layer.origin, action: layer.action })),
        },
      });
    },
    (error: unknown) => send({ error: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
});

send({ ready: true });
