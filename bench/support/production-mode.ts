/**
 * Imported first by a benchmark that measures the gateway: its processes then run as the
 * platform is deployed (deploy/Dockerfile, docker-compose.yml and the Kubernetes manifests set
 * `NODE_ENV=production`). graphql-js reads it once, when it is loaded: outside production each
 * failed `instanceof` of its type checks looks for a second copy of graphql (a development aid),
 * about 15 µs per `packageJobs(first: 20)` page. A `NODE_ENV` given to the bench is kept.
 */
process.env.NODE_ENV ??= 'production';
