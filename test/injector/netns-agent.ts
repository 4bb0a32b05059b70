// Helper process for netns-capture.test.ts, run inside a network namespace with `ip netns exec`:
//   serve <port> <reply>          TCP server on 0.0.0.0:<port> answering <reply>; prints "listening"
//   connect <host> <port> [uid]   connect (as <uid> if given), print what the server said, exit
import net from 'node:net';

const [mode, a = '', b = '', c] = process.argv.slice(2);
if (mode === 'serve') {
  const server = net.createServer((s) => s.end(b));
  server.listen(Number(a), '0.0.0.0', () => process.stdout.write('listening\n'));
} else if (mode === 'connect') {
  if (c) {
    process.setgid?.(Number(c));
    process.setuid?.(Number(c)); // the owner match in WEFT_OUTPUT looks at this UID
  }
  let reply = '';
  const sock = net.connect({ host: a, port: Number(b) });
  const timer = setTimeout(() => {
    process.stdout.write('timeout');
    process.exit(0);
  }, 3000);
  sock.on('data', (d: Buffer) => (reply += d.toString()));
  sock.on('error', (e) => {
    process.stdout.write(`error ${e.message}`);
    process.exit(0);
  });
  sock.on('end', () => {
    clearTimeout(timer);
    process.stdout.write(reply);
  });
}
