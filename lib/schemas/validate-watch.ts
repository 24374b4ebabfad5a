/**
 * The validators of watching: watch requests, destinations, timer arguments, listings, the
 * delivered event. Only the watch code (lazily loaded by the bundles) imports this module.
 */
import type { CloudEvent } from "./event";
import type { WatchListQuery } from "./listing";
import { validation } from "./validate";
import type { Destination, TimerArgument, WatchRequest } from "./watch";
import * as compiled from "./watch-validators.generated.js";

export interface WatchValidated {
  destination: Destination;
  watchRequest: WatchRequest;
  timerArgument: TimerArgument;
  cloudEvent: CloudEvent;
  watchListQuery: WatchListQuery;
}

export const { check, validate } = validation<WatchValidated>(compiled);
