/**
 * A bare SMTP sink in a process of its own, for bench/mail.ts: real SMTP (smtp-server),
 * every message read to its end and thrown away, counted. Prints `port <n>` when listening,
 * then `count <n>` whenever it gets a line on stdin.
 */
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { SMTPServer } from 'smtp-server';

let count = 0;
const server = new SMTPServer({
  authOptional: true, disabledCommands: ['STARTTLS'], logger: false, maxClients: 100,
  onData(stream, _session, callback) {
    stream.on('data', () => {});
    stream.on('end', () => { count++; callback(); });
  },
});
server.listen(0, '127.0.0.1', () => console.log(`port ${(server.server.address() as AddressInfo).port}`));
createInterface({ input: process.stdin }).on('line', () => console.log(`count ${count}`)).on('close', () => server.close(() => process.exit(0)));
