import { type AddressInfo, createServer } from "node:net";

/** A local port nothing listens on (port 9 would be refused by fetch itself, as a "bad port"). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
