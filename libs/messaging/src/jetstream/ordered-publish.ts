import type { PubAck } from 'nats';

/** JetStream's answer to a publish whose `Nats-Expected-Last-Msg-Id` is not the stream's last message id. */
const WRONG_LAST_MSG_ID = 10070;

/** What publishing a batch came to. */
export interface OrderedPublishOutcome {
  /** How many leading rows JetStream acknowledged (stored, or known as duplicates). */
  acked: number;
  /** Of those, the duplicates (published before, e.g. by a relay that crashed before marking them). */
  duplicates: number;
  /** Why row `acked` failed; absent when every row was acknowledged. */
  error?: unknown;
}

/**
 * Publishes `rows` in order without waiting for each ack before sending the next, and says how
 * many leading rows were acknowledged: only those may be marked published.
 *
 * Rows leave in call order on one connection, and JetStream stores them in that order. That alone
 * would not stop a later row from being stored ahead of an earlier one that was lost (a connection
 * dropped under it, then restored): every row after the first names its predecessor's id as the
 * stream's expected last message id, so once a row is missing JetStream refuses the rows after it
 * and they go out again, after it, on the next attempt. Duplicates are recognised before the
 * expectation is checked, so a batch published again after a crash is acknowledged as such. When
 * a row is refused although its predecessor was acknowledged, something else wrote to the stream
 * in between (nothing is missing): the rest go out one by one, each awaiting its ack.
 */
export async function publishInOrder<Row extends { id: string }>(
  rows: readonly Row[],
  publish: (row: Row, expectedLastMsgId?: string) => Promise<PubAck>,
): Promise<OrderedPublishOutcome> {
  const settled = await Promise.allSettled(rows.map((row, i) => publish(row, i > 0 ? rows[i - 1].id : undefined)));
  let duplicates = 0;
  for (let i = 0; i < settled.length; i++) {
    const outcome = settled[i];
    if (outcome.status === 'fulfilled') {
      if (outcome.value.duplicate) duplicates++;
      continue;
    }
    if (i === 0 || !isWrongLastMsgId(outcome.reason)) return { acked: i, duplicates, error: outcome.reason };
    for (let j = i; j < rows.length; j++) {
      try {
        if ((await publish(rows[j])).duplicate) duplicates++;
      } catch (error) {
        return { acked: j, duplicates, error };
      }
    }
    break;
  }
  return { acked: rows.length, duplicates };
}

function isWrongLastMsgId(error: unknown): boolean {
  return (error as { api_error?: { err_code?: number } } | null)?.api_error?.err_code === WRONG_LAST_MSG_ID;
}
