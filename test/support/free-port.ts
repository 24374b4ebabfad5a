/** Loopback ports for tests that need a port by number before anything listens on it. */
import { createServer, type Server } from "node:net";

/** Ports free right now: each listened on and released (so nothing listens there after). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((ready) => {
          const server = createServer();
          server.listen(0, "127.0.0.1", () => ready(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
  return ports;
}

/** A port nothing listens on right now. */
export const freePort = async (): Promise<number> => (await freePorts(1))[0]!;
