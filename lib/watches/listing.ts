/**
 * Listing watches (`GET /watches`): newest first, filtered, in pages joined by a keyset cursor.
 *
 * Every watch has a position, (createdAt, id), and a page is "the next `limit` matching
 * watches strictly after this position" in descending order. A cursor is a position, so it
 * stays valid while watches are inserted: new watches are newer than any position already
 * handed out, and no watch is ever shown twice or skipped. Both stores keep one index per
 * filter (value, createdAt, id) plus one over all watches, so a page walks one index from the
 * cursor on: O(log n + limit) with one filter or none. With several filters a store walks the
 * index of one of them and checks the others per entry; a page then stops after SCAN_BUDGET
 * entries even when it has fewer than `limit` watches, and its cursor continues from there,
 * so no request costs more than that whatever the filters.
 */
import type { Watch } from "../schemas/index";

/**
 * What a listing can be filtered on: each filter's value for a watch, compared as text. The
 * order is the expected selectivity, most selective first: with several filters, the SQLite
 * store walks the index of the first one given (Redis counts and walks the smallest). A new
 * filter is a line here and its property in lib/schemas/listing.ts; both stores build its
 * index for the watches they hold when next opened.
 */
export const LIST_FILTERS = {
  taskId: (watch: Watch) => String(watch.taskId),
  state: (watch: Watch) => watch.state,
  destinationType: (watch: Watch) => watch.destination.type,
  api: (watch: Watch) => watch.api,
} as const satisfies Record<string, (watch: Watch) => string>;

export type ListFilter = keyof typeof LIST_FILTERS;
export const LIST_FILTER_NAMES = Object.keys(LIST_FILTERS) as ListFilter[];

/** The only filter whose value changes after a watch is stored; the stores move its entries on save. */
export const MUTABLE_FILTER = "state" satisfies ListFilter;

/** Index entries a page may examine when several filters are combined. */
export const SCAN_BUDGET = 1_000;

export interface Position {
  /** Epoch ms of the watch's createdAt. */
  createdAt: number;
  id: string;
}

export interface ListQuery {
  filters: Partial<Record<ListFilter, string>>;
  /** 1–100. */
  limit: number;
  /** Only watches strictly older than this position (the previous page's `next`). */
  after?: Position;
}

export interface ListPage {
  watches: Watch[];
  /** Where the next page starts, or null when nothing more matches. */
  next: Position | null;
}

/**
 * How a store walks for `query`: the filters it gives, in LIST_FILTERS order, and how many
 * index entries the walk may examine (never fewer than one more than the page).
 */
export function walkPlan({ filters, limit }: ListQuery): { given: ListFilter[]; budget: number } {
  return { given: LIST_FILTER_NAMES.filter((f) => filters[f] !== undefined), budget: Math.max(SCAN_BUDGET, limit + 1) };
}

export function positionOf(watch: Watch): Position {
  return { createdAt: Date.parse(watch.createdAt), id: watch.id };
}

/** The filters of `watch` that never change, by name (for the stores' index entries). */
export function fixedFilterValues(watch: Watch): [ListFilter, string][] {
  return LIST_FILTER_NAMES.filter((name) => name !== MUTABLE_FILTER).map((name) => [name, LIST_FILTERS[name](watch)]);
}

const CURSOR_TEXT = /^(\d{1,15}):(w_[a-z2-7]{26})$/;

/** An opaque cursor for `position` (base64url, so it needs no escaping in a query string). */
export function encodeCursor(position: Position): string {
  return Buffer.from(`${position.createdAt}:${position.id}`, "utf8").toString("base64url");
}

/** The position a cursor stands for, or undefined when it is not one this API handed out. */
export function decodeCursor(cursor: string): Position | undefined {
  const match = CURSOR_TEXT.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  return match ? { createdAt: Number(match[1]), id: match[2]! } : undefined;
}

/**
 * The page made of the first matches of a walk: `found` holds up to limit + 1 positions (one
 * more than the page, to tell whether another follows), `stoppedAt` the last position examined
 * when the walk stopped before the index ended (the scan budget ran out), else undefined.
 */
export function pageOf<T extends Position>(
  found: readonly T[],
  limit: number,
  stoppedAt: Position | undefined,
): { shown: T[]; next: Position | null } {
  const at = (p: Position): Position => ({ createdAt: p.createdAt, id: p.id });
  if (found.length > limit) return { shown: found.slice(0, limit), next: at(found[limit - 1]!) };
  return { shown: [...found], next: stoppedAt ? at(stoppedAt) : null };
}
