/**
 * The only module that imports amqplib. amqp.ts loads it with a dynamic import, so functions
 * that never publish to RabbitMQ never load it and the bundler can put it in a chunk of its own.
 */
export { connect } from "amqplib";
