/** The ceiling: a Fastify hello-world, the least an HTTP answer from Node can cost on this machine. Run: node hello-world.js PORT */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
app.listen({ host: '127.0.0.1', port: Number(process.argv[2]) }).then(
  () => console.log('listening'),
  (e: Error) => {
    console.error(e);
    process.exit(1);
  },
);
