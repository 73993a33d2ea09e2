import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { ApolloServer } from '@apollo/server';

import { answerGraphQLPostsDirectly, GRAPHQL_BODY_LIMIT_BYTES } from './direct-graphql-posts';

interface Context {
  caller: string;
}

describe('answerGraphQLPostsDirectly', () => {
  let server: Server;
  let apollo: ApolloServer<Context>;
  let url: string;
  const byExpress: string[] = [];

  beforeAll(async () => {
    apollo = new ApolloServer<Context>({
      typeDefs: 'type Query { whoami: String, hello(name: String): String }',
      resolvers: {
        Query: { whoami: (_root, _args, context: Context) => context.caller, hello: (_root, args) => `hi ${args.name}` },
      },
    });
    await apollo.start();
    // Stands in for express: says that it answered.
    const express = (req: IncomingMessage, res: import('node:http').ServerResponse) => {
      req.resume();
      req.on('end', () => {
        byExpress.push(`${req.method} ${req.url} ${req.headers['content-type'] ?? ''}`);
        res.writeHead(299).end('express');
      });
    };
    server = createServer(express);
    answerGraphQLPostsDirectly({
      server,
      express,
      apollo,
      path: '/graphql',
      context: ({ req }) => ({ caller: String(req.headers.authorization ?? 'nobody') }),
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await apollo.stop();
  });

  beforeEach(() => {
    byExpress.length = 0;
  });

  const post = (body: string, headers: Record<string, string> = {}, path = '/graphql') =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it('answers a JSON POST with Apollo, in the context made from the request', async () => {
    const response = await post(JSON.stringify({ query: '{ whoami }' }), { authorization: 'Bearer t' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ data: { whoami: 'Bearer t' } });
    expect(byExpress).toEqual([]);
  });

  it('passes variables, and Apollo’s own error answers', async () => {
    const hello = await post(JSON.stringify({ query: 'query($n: String) { hello(name: $n) }', variables: { n: 'x' } }), {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(await hello.json()).toEqual({ data: { hello: 'hi x' } });
    const invalid = await post(JSON.stringify({ query: '{ nope }' }));
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe(
      'GRAPHQL_VALIDATION_FAILED',
    );
    expect(byExpress).toEqual([]);
  });

  it.each([
    ['a body that is not JSON', '{bad', /^Expected property name/],
    ['JSON that is neither an object nor an array', '"query"', /^Unexpected token '"', ""query"" is not valid JSON$/],
  ])('refuses %s with 400, as the JSON body parser does', async (_case, body, message) => {
    const response = await post(body);
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { message: string };
    expect(answer).toMatchObject({ error: 'Bad Request', statusCode: 400 });
    expect(answer.message).toMatch(message);
  });

  it('leaves every other request to express', async () => {
    const query = JSON.stringify({ query: '{ whoami }' });
    await fetch(`${url}/graphql?query=%7Bwhoami%7D`);
    await post(query, {}, '/health');
    await post(query, {}, '/graphqlx');
    await post('query=x', { 'content-type': 'application/x-www-form-urlencoded' });
    await post(query, { 'content-type': 'application/json; charset=latin1' });
    await post(query, { 'content-encoding': 'gzip' });
    await post(JSON.stringify({ query: '{ whoami }', pad: 'x'.repeat(GRAPHQL_BODY_LIMIT_BYTES) }));
    await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Blob([query]).stream(),
      duplex: 'half',
    } as RequestInit); // chunked: no Content-Length
    expect(byExpress).toEqual([
      'GET /graphql?query=%7Bwhoami%7D ',
      'POST /health application/json',
      'POST /graphqlx application/json',
      'POST /graphql application/x-www-form-urlencoded',
      'POST /graphql application/json; charset=latin1',
      'POST /graphql application/json',
      'POST /graphql application/json',
      'POST /graphql application/json',
    ]);
  });

  it('refuses to take over a server whose requests do not go to the given listener', () => {
    expect(() =>
      answerGraphQLPostsDirectly({
        server: createServer(),
        express: () => undefined,
        apollo,
        path: '/graphql',
        context: () => ({ caller: '' }),
      }),
    ).toThrow(/does not hand its requests to express/);
  });
});
