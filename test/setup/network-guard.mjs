// Refuses every connection to a non-loopback address, in the test process and (through
// NODE_OPTIONS=--import) in every CLI subprocess the tests start. A test that makes the code
// reach the internet fails loudly instead of passing by luck.
import net from "node:net";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/i;

function targetHost(args) {
  const [first] = args;
  if (Array.isArray(first)) return targetHost(first);
  if (first && typeof first === "object") return first.path ? "localhost" : (first.host ?? "localhost");
  if (typeof first === "string" && !/^\d+$/.test(first)) return "localhost"; // unix socket path
  return typeof args[1] === "string" ? args[1] : "localhost";
}

const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const host = targetHost(args);
  if (!LOOPBACK.test(host)) {
    throw new Error(`network guard: refused connection to non-loopback host ${host}`);
  }
  return originalConnect.apply(this, args);
};
