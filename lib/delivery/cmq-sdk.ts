/**
 * The only module that imports tencentcloud-sdk-nodejs's TDMQ client. cmq.ts loads it with a
 * dynamic import, so functions that never deliver to CMQ never load the SDK (~0.5 MB) and the
 * bundler can put it in a chunk of its own.
 */
export { Client as TdmqClient } from "tencentcloud-sdk-nodejs/tencentcloud/services/tdmq/v20200217/tdmq_client.js";
