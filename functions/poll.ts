/**
 * The timer function: SCF timer trigger, EventBridge schedule, or a schedule's constant input.
 *
 *   timer event → argument (watches to register) → relay.poll within the time left, less the
 *   safety margin → PollReport, returned and logged as one line; every line of the
 *   invocation carries its request id as correlation_id
 *
 * No HTTP middlewares here: a timer event is not a request.
 */
import type { Config } from "../lib/config";
import { withLogContext, type Logger } from "../lib/log";
import type { PollReport, Relay } from "../lib/relay";
import { runtime } from "../lib/runtime";
import { invocationOf, type Invocation } from "./platform/context";
import { timerInvocationOf } from "./platform/timer-event";

export interface PollDeps {
  config: () => Config;
  relay: () => Promise<Pick<Relay, "poll">>;
  logger: () => Logger;
}

export type PollHandler = (event: unknown, context: unknown) => Promise<PollReport>;

export function createPollHandler(deps: PollDeps): PollHandler {
  async function poll(event: unknown, { remainingMs }: Invocation): Promise<PollReport> {
    const logger = deps.logger();
    const { source, timerArgument } = timerInvocationOf(event);
    try {
      const config = deps.config();
      const budgetMs = remainingMs === undefined ? config.pollBudgetMs : Math.max(0, remainingMs - config.safetyMarginMs);
      const report = await (await deps.relay()).poll({ budgetMs, timerArgument });
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
  return (event, context) => {
    const invocation = invocationOf(context);
    return withLogContext({ correlation_id: invocation.requestId }, () => poll(event, invocation));
  };
}

export const handler = createPollHandler(runtime);

export { handler as main_handler };
