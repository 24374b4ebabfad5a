/**
 * How both stores lay a watch out: the fields a store indexes or changes by itself (version,
 * state, dueAt, lease) as plain columns, everything else as one JSON text it never looks
 * inside. Redis scripts can then update a claim without decoding JSON in Lua (whose cjson
 * prints epoch milliseconds as 1.7642e+12), and SQLite indexes real columns.
 */
import type { Watch, WatchState } from "../schemas/index";

export interface WatchRow {
  id: string;
  version: number;
  state: WatchState;
  dueAt: number | null;
  leaseOwner: string | null;
  leaseUntil: number | null;
  /** The rest of the document, as JSON. */
  body: string;
}

export function toRow(watch: Watch): WatchRow {
  const { id, version, state, dueAt, lease, ...rest } = watch;
  return {
    id,
    version,
    state,
    dueAt,
    leaseOwner: lease?.owner ?? null,
    leaseUntil: lease?.until ?? null,
    body: JSON.stringify(rest),
  };
}

export function fromRow(row: WatchRow): Watch {
  const lease = row.leaseUntil === null ? null : { owner: row.leaseOwner ?? "", until: row.leaseUntil };
  // Watches stored before task kinds existed are legacy ones.
  return {
    api: "legacy",
    ...upgrade(JSON.parse(row.body)),
    id: row.id,
    version: row.version,
    state: row.state,
    dueAt: row.dueAt,
    lease,
  } as Watch;
}

/** What an older release wrote, in today's shape: `delivery.roundStart` became counters, `sending` is new. */
interface Stored {
  delivery: { attempts: unknown[]; roundStart?: number; attemptCount?: number; roundAttempts?: number; disabled: boolean };
  sending?: unknown;
}

function upgrade(body: Stored): Stored {
  const { roundStart = 0, ...delivery } = body.delivery;
  return {
    ...body,
    delivery: {
      ...delivery,
      attemptCount: delivery.attemptCount ?? delivery.attempts.length,
      roundAttempts: delivery.roundAttempts ?? delivery.attempts.length - roundStart,
    },
    sending: body.sending ?? null,
  };
}

/** The row after a claim: leased to `owner` until `until`, due again then, one version on. */
export function claimedRow(row: WatchRow, owner: string, until: number): WatchRow {
  return { ...row, version: row.version + 1, dueAt: until, leaseOwner: owner, leaseUntil: until };
}
