import net from "node:net";
import type { AddressInfo } from "node:net";

/**
 * A TCP proxy in front of Postgres that a test can take down and bring back: `down()` cuts every
 * open connection and refuses new ones, as a network cut would; `restarting()` cuts them and then
 * accepts new ones only to close them once they speak, as a database that is restarting does.
 */
export async function startTcpProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let state: "up" | "down" | "restarting" = "up";
  const server = net.createServer((client) => {
    if (state === "down") {
      client.destroy();
      return;
    }
    if (state === "restarting") {
      client.once("data", () => client.destroy());
      client.on("error", () => client.destroy());
      return;
    }
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    down() {
      state = "down";
      for (const socket of sockets) socket.destroy();
    },
    restarting() {
      state = "restarting";
      for (const socket of sockets) socket.destroy();
    },
    up() {
      state = "up";
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
