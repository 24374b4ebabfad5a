/** A poll invocation in its own process, so a test can kill it mid-flight (kill -9). */
import { loadConfig } from "../../lib/config";
import { createRelay } from "../../lib/relay";

const relay = await createRelay(loadConfig());
console.log("polling");
const report = await relay.poll({ budgetMs: Number(process.env.CHILD_BUDGET_MS ?? 20_000) });
console.log(JSON.stringify(report));
await relay.close();
