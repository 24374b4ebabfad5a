/**
 * One poller process for the cross-process SQLite race (sqlite-store.test.ts): waits for "go"
 * on stdin, then claims and "delivers" until nothing is due, printing each delivered id.
 * Usage: node --import tsx sqlite-poller.ts <db file> <owner> <now>
 */
import { createInterface } from "node:readline";
import { SqliteWatchStore } from "../../lib/watches/sqlite-store";

const [file, owner, now] = process.argv.slice(2);
const store = new SqliteWatchStore(file!);
process.stdout.write("ready\n");
await new Promise((resolve) => createInterface({ input: process.stdin }).once("line", resolve));

let lostSaves = 0;
for (;;) {
  const batch = await store.claimDue({ now: Number(now), limit: 5, owner: owner!, leaseMs: 60_000 });
  if (batch.length === 0) break;
  for (const watch of batch) {
    process.stdout.write(`delivered ${watch.id}\n`);
    if (!(await store.save({ ...watch, state: "delivered", dueAt: null, lease: null }))) lostSaves++;
  }
}
await store.close();
process.stdout.write(`lost ${lostSaves}\n`);
process.exit(0);
