#!/usr/bin/env python3
"""tests/tui/slowlink.py - a PostgreSQL link made slow on demand.

Listens on DIR/.s.PGSQL.PORT and forwards every connection to the server
of the PG* environment (a Unix socket directory or a TCP host). While the
file FLAG exists, every chunk from the server is held back DELAY seconds,
as on a slow network: a test can then time what a user would wait for.

usage: slowlink.py DIR FLAG DELAY
"""
import asyncio
import os
import sys


def upstream():
    host = os.environ.get("PGHOST", "/tmp")
    port = int(os.environ.get("PGPORT", "5432"))
    if host.startswith("/"):
        return asyncio.open_unix_connection(f"{host}/.s.PGSQL.{port}")
    return asyncio.open_connection(host, port)


async def pipe(reader, writer, flag, delay):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if flag and os.path.exists(flag):
                await asyncio.sleep(delay)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except OSError:
            pass


async def main():
    sock_dir, flag, delay = sys.argv[1], sys.argv[2], float(sys.argv[3])
    port = int(os.environ.get("PGPORT", "5432"))
    path = f"{sock_dir}/.s.PGSQL.{port}"

    async def serve(cr, cw):
        try:
            sr, sw = await upstream()
        except OSError:
            cw.close()
            return
        await asyncio.gather(pipe(cr, sw, None, 0), pipe(sr, cw, flag, delay))

    server = await asyncio.start_unix_server(serve, path=path)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
