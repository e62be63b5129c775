/** A route found for a request, with its `{name}` path segments decoded. */
export interface RouteMatch<R> {
  route: R;
  params: Record<string, string>;
}

export interface Router<R> {
  /** `pattern` is a path with `{name}` segments, e.g. `/repos/{owner}/{repo}`. */
  add(method: string, pattern: string, route: R): void;
  /** `undefined` if no route has this path; `'method_not_allowed'` if only the method differs. */
  match(method: string, path: string): RouteMatch<R> | 'method_not_allowed' | undefined;
}

interface Compiled<R> {
  method: string;
  regex: RegExp;
  names: string[];
  route: R;
}

export function createRouter<R>(): Router<R> {
  const routes: Compiled<R>[] = [];
  return {
    add(method, pattern, route) {
      const names: string[] = [];
      const source = pattern
        .split('/')
        .map((segment) => {
          const param = /^\{(\w+)\}$/.exec(segment);
          if (param?.[1] === undefined) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
          names.push(param[1]);
          return '([^/]+)';
        })
        .join('/');
      routes.push({ method: method.toUpperCase(), regex: new RegExp(`^${source}$`), names, route });
    },
    match(method, path) {
      let pathMatched = false;
      for (const candidate of routes) {
        const found = candidate.regex.exec(path);
        if (found === null) continue;
        pathMatched = true;
        if (candidate.method !== method.toUpperCase()) continue;
        const params: Record<string, string> = {};
        candidate.names.forEach((name, index) => {
          const raw = found[index + 1] ?? '';
          try {
            params[name] = decodeURIComponent(raw);
          } catch {
            params[name] = raw; // a lone `%` is a name that will not be found, not a crash
          }
        });
        return { route: candidate.route, params };
      }
      return pathMatched ? 'method_not_allowed' : undefined;
    },
  };
}
