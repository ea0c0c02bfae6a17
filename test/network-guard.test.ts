import { describe, expect, it } from "vitest";
import net from "node:net";

describe("network guard", () => {
  it("refuses connections to non-loopback addresses", () => {
    expect(() => net.connect({ host: "93.184.216.34", port: 80 })).toThrow(/non-loopback/);
  });

  it("allows loopback connections", async () => {
    const server = net.createServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port }, () => {
        socket.destroy();
        resolve();
      });
      socket.on("error", reject);
    });
    server.close();
  });
});
