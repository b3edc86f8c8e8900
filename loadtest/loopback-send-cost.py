#!/usr/bin/env python3
"""CPU cost of one small loopback TCP send on this machine: the floor under every delivery.

A sender on core 0 writes N 100-byte messages (TCP_NODELAY) to a reader on core 1 and
reports the sender's CPU time per send. The kernel charges the receiver's softirq work to
the sender on loopback, so this is roughly what each delivery costs the server in the kernel
when it cannot batch frames. Compare machines (or days) with it before comparing benchmarks.

    python3 loadtest/loopback-send-cost.py [N]
"""
import os
import socket
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
SIZE = 100

listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(1)
port = listener.getsockname()[1]
reader = os.fork()
if reader == 0:
    os.sched_setaffinity(0, {1})
    connection = socket.create_connection(("127.0.0.1", port))
    received = 0
    while received < N * SIZE:
        chunk = connection.recv(65536)
        if not chunk:
            break
        received += len(chunk)
    os._exit(0)

os.sched_setaffinity(0, {0})
sender, _ = listener.accept()
sender.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
message = b"x" * SIZE
cpu = time.process_time()
for _ in range(N):
    sender.send(message)
per_send = (time.process_time() - cpu) / N * 1e6
os.waitpid(reader, 0)
print(f"{N} sends of {SIZE} bytes: {per_send:.2f} µs of sender CPU per send "
      f"(≈ {1e6 / per_send:,.0f} unbatched deliveries/s per core)")
