// Moving a message from one queue to another (to a retry tier, to the dead-letter queue, back from
// it) is safe only as "publish, wait for the broker's confirm, then ack the original". A confirm
// alone is not enough: a message sent to a queue that does not exist is dropped and still
// confirmed. So the send is mandatory, and a message the broker returns as unroutable (it returns
// it before it confirms it) fails the send.
import { randomUUID } from 'node:crypto';
import type { ConfirmChannel, Message, Options } from 'amqplib';

const sendIdHeader = 'x-trio-send-id';

export interface ConfirmedSender {
  /** Resolves once the message is safely in `queue`; rejects when it was refused or not routed. */
  send(queue: string, content: Buffer, options: Options.Publish): Promise<void>;
}

export function createConfirmedSender(channel: ConfirmChannel): ConfirmedSender {
  const returned = new Set<string>();
  channel.on('return', (message: Message) => {
    const id: unknown = message.properties.headers?.[sendIdHeader];
    if (typeof id === 'string') returned.add(id);
  });
  return {
    send(queue, content, options) {
      const id = randomUUID();
      const headers = { ...options.headers, [sendIdHeader]: id };
      return new Promise<void>((resolve, reject) => {
        try {
          channel.sendToQueue(queue, content, { ...options, headers, mandatory: true }, (error: unknown) => {
            if (returned.delete(id))
              reject(new Error(`queue "${queue}" does not exist: the message was returned`));
            else if (error)
              reject(new Error(`the broker did not confirm the message to "${queue}"`, { cause: error }));
            else resolve();
          });
        } catch (error) {
          reject(error);
        }
      });
    },
  };
}

/** The properties of a received message, to send it on unchanged but for its headers. */
export function forwardedProperties(message: Message, headers: Record<string, unknown>): Options.Publish {
  const { contentType, contentEncoding, messageId, type, timestamp, appId, correlationId } =
    message.properties;
  return {
    persistent: true,
    contentType,
    contentEncoding,
    messageId,
    type,
    timestamp,
    appId,
    correlationId,
    headers,
  };
}
