// nginx in front of several instances. What matters for this server:
// - graphql-ws: the Upgrade/Connection headers passed through, long read timeouts;
// - Server-Sent Events (/graphql/stream): no response buffering, so each event leaves at once;
// - keep-alive connections to the instances (Connection cleared on plain requests);
// - the largest legal ingest batch fits the body limit, buffered in memory (no temp files);
// - a refused connection (an instance that died) goes to the next instance; a request that
//   reached an instance is never sent twice (nginx's default for POST).
export interface NginxConfigOptions {
  port: number;
  upstreams: number[];
  /** nginx's prefix directory: logs, pid and temp files live there. */
  prefix: string;
}

export function nginxConfig({ port, upstreams, prefix }: NginxConfigOptions): string {
  const servers = upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=5s;`).join('\n');
  return `worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  client_max_body_size 16m;
  # Bodies stay in memory: a temp file would need a directory nginx's worker user may write.
  client_body_buffer_size 16m;
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  upstream sensor_trust {
    least_conn;
${servers}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    proxy_http_version 1.1;
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $connection_upgrade;
    proxy_next_upstream error timeout;
    proxy_read_timeout 1h;
    proxy_send_timeout 1h;
    location /graphql/stream {
      proxy_pass http://sensor_trust;
      proxy_buffering off;
      proxy_cache off;
    }
    location / {
      proxy_pass http://sensor_trust;
    }
  }
}
`;
}
