// One small real app per tech stack, as a user would upload it: each answers HTTP with a line
// that names its stack, so a test that runs the built image knows the app itself answered.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { TechStack } from '@stagecraft/contracts';

import { buildZip } from './test-archives';

export interface StackApp {
  stack: TechStack;
  fileName: string;
  bytes: Buffer;
  /** Where the app listens: fixed by the base image (Tomcat, Apache) or read from PORT. */
  port: number | 'PORT';
  path: string;
  answer: RegExp;
}

const JAVA_SOURCE = `
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;

public class Hello {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "8080"));
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext("/", exchange -> {
      byte[] body = ("java says " + Runtime.version().feature()).getBytes();
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }
}
`;

/** A runnable JAR with its own HTTP server, compiled here with the machine's JDK for Java 17. */
export function javaApp(): StackApp {
  const folder = mkdtempSync(join(tmpdir(), 'stagecraft-java-app-'));
  try {
    writeFileSync(join(folder, 'Hello.java'), JAVA_SOURCE);
    execFileSync('javac', ['--release', '17', '-d', join(folder, 'classes'), join(folder, 'Hello.java')]);
    execFileSync('jar', [
      '--create',
      '--file',
      join(folder, 'app.jar'),
      '--main-class',
      'Hello',
      '-C',
      join(folder, 'classes'),
      '.',
    ]);
    const bytes = readFileSync(join(folder, 'app.jar'));
    return { stack: 'JAVA', fileName: 'hello.jar', bytes, port: 'PORT', path: '/', answer: /^java says 1[7-9]|^java says 2\d/ };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** A WAR whose only page is a JSP: Tomcat must compile it, so the answer proves Jasper works too. */
export function tomcatApp(): StackApp {
  const bytes = buildZip([
    { name: 'index.jsp', content: '<%@ page contentType="text/plain" %>tomcat says <%= 6 * 7 %>' },
    {
      name: 'WEB-INF/web.xml',
      content:
        '<?xml version="1.0" encoding="UTF-8"?>\n<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0"></web-app>\n',
    },
  ]);
  return { stack: 'TOMCAT', fileName: 'hello.war', bytes, port: 8080, path: '/', answer: /tomcat says 42/ };
}

const NODE_LOCKFILE = {
  name: 'node-app',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: {
    '': { name: 'node-app', version: '1.0.0', dependencies: { 'is-number': '7.0.0' } },
    'node_modules/is-number': {
      version: '7.0.0',
      resolved: 'https://registry.npmjs.org/is-number/-/is-number-7.0.0.tgz',
      integrity: 'sha512-41Cifkg6e8TylSpdtTpeLVMqvSBEVzTttHvERD741+pnZ8ANv0004MRL43QKPDlK9cGvNp6NZWZUBlbGXYxxng==',
      engines: { node: '>=0.12.0' },
    },
  },
};

/** A Node.js app with a dependency it does not carry (no node_modules): the build must install it. */
export function nodeApp(says = 'node says'): StackApp {
  const bytes = buildZip([
    {
      name: 'package.json',
      content: JSON.stringify({
        name: 'node-app',
        version: '1.0.0',
        scripts: { start: 'node server.js' },
        dependencies: { 'is-number': '7.0.0' },
      }),
    },
    { name: 'package-lock.json', content: JSON.stringify(NODE_LOCKFILE) },
    {
      name: 'server.js',
      content: `const http = require('node:http');
const isNumber = require('is-number');
http.createServer((request, response) => response.end(${JSON.stringify(says)} + ' ' + isNumber(42))).listen(Number(process.env.PORT || 3000), '127.0.0.1');
`,
    },
  ]);
  return { stack: 'NODEJS', fileName: 'node-app.zip', bytes, port: 'PORT', path: '/', answer: new RegExp(`^${says} true$`) };
}

/** A runnable Python folder: a top-level __main__.py and nothing else. */
export function pythonApp(): StackApp {
  const bytes = buildZip([
    {
      name: '__main__.py',
      content: `import http.server, os, sys

class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = f"python says {sys.version_info.major}.{sys.version_info.minor}".encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

http.server.HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8000"))), Hello).serve_forever()
`,
    },
  ]);
  return { stack: 'PYTHON', fileName: 'python-app.zip', bytes, port: 'PORT', path: '/', answer: /^python says 3\.\d+$/ };
}

export function phpApp(): StackApp {
  const bytes = buildZip([
    { name: 'index.php', content: '<?php echo "php says " . PHP_MAJOR_VERSION . "." . PHP_MINOR_VERSION;\n' },
  ]);
  return { stack: 'PHP', fileName: 'php-app.zip', bytes, port: 80, path: '/index.php', answer: /^php says 8\.\d+$/ };
}
