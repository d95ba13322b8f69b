#!/usr/bin/env python3
"""A TCP relay that tests can cut: `cutproxy.py LISTEN_HOST:PORT TARGET_HOST:PORT`.

Test infrastructure: it sits between aetherd and the kube-apiserver (TLS passes through
untouched) so a test can drop aetherd's watches mid-rollout. SIGUSR1 closes every open
connection and refuses new ones (accepted, then closed at once) until SIGUSR2 lets them
through again. Prints "ready" once listening; stops on SIGTERM/SIGINT.
"""
import asyncio
import signal
import sys


async def main():
    listen_host, listen_port = sys.argv[1].rsplit(":", 1)
    target_host, target_port = sys.argv[2].rsplit(":", 1)
    state = {"cut": False, "conns": set()}

    async def pipe(reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def handle(client_r, client_w):
        if state["cut"]:
            client_w.close()
            return
        try:
            server_r, server_w = await asyncio.open_connection(target_host, int(target_port))
        except OSError:
            client_w.close()
            return
        pair = (client_w, server_w)
        state["conns"].add(pair)
        try:
            await asyncio.gather(pipe(client_r, server_w), pipe(server_r, client_w))
        finally:
            state["conns"].discard(pair)

    def cut():
        state["cut"] = True
        for pair in list(state["conns"]):
            for w in pair:
                w.transport.abort()
        print("cut", flush=True)

    def restore():
        state["cut"] = False
        print("restored", flush=True)

    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    loop.add_signal_handler(signal.SIGUSR1, cut)
    loop.add_signal_handler(signal.SIGUSR2, restore)
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    server = await asyncio.start_server(handle, listen_host, int(listen_port))
    print("ready", flush=True)
    async with server:
        await stop


if __name__ == "__main__":
    asyncio.run(main())
