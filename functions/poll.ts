/**
 * The timer function: SCF timer trigger, EventBridge schedule, or a schedule's constant input.
 *
 *   timer event → argument (watches to register) → relay.poll within the time left, less the
 *   safety margin → PollReport, returned and logged as one line with correlation_id
 *
 * No HTTP middlewares here: a timer event is not a request.
 */
import type { PollReport } from "../lib/relay";
import { getConfig, getRelay } from "../lib/runtime";
import { invocationOf } from "./platform/context";
import { functionLogger } from "./platform/logger";
import { timerInvocationOf } from "./platform/timer-event";

export async function handler(event: unknown, context: unknown): Promise<PollReport> {
  const { requestId, remainingMs } = invocationOf(context);
  const logger = functionLogger().child({ correlation_id: requestId });
  const { source, timerArgument } = timerInvocationOf(event);
  try {
    const config = getConfig();
    const budgetMs = remainingMs === undefined ? config.pollBudgetMs : Math.max(0, remainingMs - config.safetyMarginMs);
    const report = await (await getRelay()).poll({ budgetMs, timerArgument });
    // An idle run every minute is not news; one that did something, or hit a problem, is.
    const idle = report.claimed === 0 && report.registered === 0 && report.problems.length === 0;
    logger[idle ? "debug" : "info"]("poll", { trigger: source, budget_ms: budgetMs, report });
    return report;
  } catch (error) {
    // Rethrown so the platform records the invocation as failed; the lease-held watches come due again.
    logger.error("poll failed", { trigger: source, error });
    throw error;
  }
}

export { handler as main_handler };
