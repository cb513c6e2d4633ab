import type { OpenAPIV3_1 } from 'openapi-types';
import { Fragment, type ReactNode, useEffect, useState } from 'react';

/**
 * The API reference at /api/docs, drawn from the server's own OpenAPI document. Rendered here rather
 * than by Redoc, Swagger UI or Scalar, which all inject inline styles the strict CSP refuses.
 */

const DOCUMENT_URL = '/api/v1/openapi.json';
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

type Document = OpenAPIV3_1.Document;
type Operation = OpenAPIV3_1.OperationObject & { 'x-stream-frames'?: Schema };
type Schema = Omit<OpenAPIV3_1.SchemaObject, 'anyOf' | 'oneOf' | 'items' | 'properties'> & {
  $ref?: string;
  const?: unknown;
  examples?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
};
type Entry = { method: (typeof METHODS)[number]; path: string; operation: Operation };

export function ApiReference() {
  const [document, setDocument] = useState<Document | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    fetch(DOCUMENT_URL, { headers: { Accept: 'application/json' } })
      .then((response) => {
        if (!response.ok) throw new Error(`The server answered ${response.status}.`);
        return response.json() as Promise<Document>;
      })
      .then(setDocument)
      .catch((error: Error) => setFailure(error.message));
  }, []);

  if (failure) {
    return (
      <main className="docs">
        <h1>API reference</h1>
        <p role="alert">Could not load the API document: {failure}</p>
      </main>
    );
  }
  if (!document) {
    return (
      <main className="docs">
        <h1>API reference</h1>
        <p aria-live="polite">Loading…</p>
      </main>
    );
  }

  const entries = operationsOf(document);
  const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
  const tags = document.tags ?? [];
  const frames = entries.find((entry) => entry.operation['x-stream-frames'])?.operation['x-stream-frames'];

  return (
    <main className="docs">
      <header className="docs-header">
        <h1>
          {document.info.title} <span className="docs-version">{document.info.version}</span>
        </h1>
        <p>
          <Markdownish text={document.info.description ?? ''} />
        </p>
        <p>
          The machine-readable document: <a href={DOCUMENT_URL}>{DOCUMENT_URL}</a> (OpenAPI {document.openapi}
          ).
        </p>
        <nav aria-label="Sections">
          <ul className="docs-toc">
            <li>
              <a href="#security">Authentication</a>
            </li>
            {tags.map((tag) => (
              <li key={tag.name}>
                <a href={`#tag-${tag.name}`}>{tag.name}</a>
              </li>
            ))}
            {frames && (
              <li>
                <a href="#stream-frames">stream frames</a>
              </li>
            )}
          </ul>
        </nav>
      </header>

      <section id="security" aria-labelledby="security-heading">
        <h2 id="security-heading">Authentication</h2>
        <dl className="docs-schemes">
          {Object.entries(document.components?.securitySchemes ?? {}).map(([name, scheme]) => {
            const apiKey = scheme as OpenAPIV3_1.ApiKeySecurityScheme;
            return (
              <Fragment key={name}>
                <dt>
                  <code>{name}</code>: {apiKey.in} <code>{apiKey.name}</code>
                </dt>
                <dd>{apiKey.description}</dd>
              </Fragment>
            );
          })}
        </dl>
      </section>

      {tags.map((tag) => (
        <section key={tag.name} id={`tag-${tag.name}`} aria-labelledby={`tag-${tag.name}-heading`}>
          <h2 id={`tag-${tag.name}-heading`}>{tag.name}</h2>
          {tag.description && <p>{tag.description}</p>}
          {entries
            .filter((entry) => entry.operation.tags?.[0] === tag.name)
            .map((entry) => (
              <OperationView key={`${entry.method} ${entry.path}`} entry={entry} schemas={schemas} />
            ))}
        </section>
      ))}

      {frames && (
        <section id="stream-frames" aria-labelledby="stream-frames-heading">
          <h2 id="stream-frames-heading">Stream frames</h2>
          <p>Each WebSocket message of the stream is one JSON object, one of:</p>
          <SchemaView schema={frames} schemas={schemas} />
        </section>
      )}
    </main>
  );
}

function operationsOf(document: Document): Entry[] {
  return Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item?.[method] as Operation | undefined;
      return operation ? [{ method, path, operation }] : [];
    }),
  );
}

function access(operation: Operation): string {
  const schemes = new Set((operation.security ?? []).flatMap((requirement) => Object.keys(requirement)));
  if (schemes.size === 0) return 'Public';
  if (schemes.has('csrfHeader')) return 'Signed in, with the X-CSRF-Token header';
  return 'Signed in (session cookie)';
}

function OperationView({ entry, schemas }: { entry: Entry; schemas: Record<string, Schema> }) {
  const { method, path, operation } = entry;
  const parameters = (operation.parameters ?? []) as OpenAPIV3_1.ParameterObject[];
  const body = (operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined)?.content[
    'application/json'
  ];
  const responses = Object.entries(operation.responses ?? {}) as Array<[string, OpenAPIV3_1.ResponseObject]>;
  const id = operation.operationId ?? `${method}-${path}`;
  return (
    <article className="docs-operation" id={id} aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>
        <span className={`docs-method docs-method-${method}`}>{method.toUpperCase()}</span>{' '}
        <code>{path}</code>
        {operation.deprecated && <span className="docs-deprecated">deprecated</span>}
      </h3>
      {operation.summary && <p className="docs-summary">{operation.summary}</p>}
      {operation.description && (
        <p>
          <Markdownish text={operation.description} />
        </p>
      )}
      <p className="docs-access">{access(operation)}</p>

      {parameters.length > 0 && (
        <table className="docs-table">
          <caption>Parameters</caption>
          <thead>
            <tr>
              <th scope="col">name</th>
              <th scope="col">in</th>
              <th scope="col">type</th>
              <th scope="col">example</th>
            </tr>
          </thead>
          <tbody>
            {parameters.map((parameter) => {
              const schema = (parameter.schema ?? {}) as Schema;
              return (
                <tr key={`${parameter.in} ${parameter.name}`}>
                  <th scope="row">
                    <code>{parameter.name}</code>
                    {parameter.required && <span title="required"> *</span>}
                  </th>
                  <td>{parameter.in}</td>
                  <td>
                    <SchemaView schema={schema} schemas={schemas} />
                  </td>
                  <td>{exampleText(parameter.example ?? schema.examples?.[0])}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      {body && (
        <div className="docs-block">
          <h4>Request body</h4>
          <SchemaView schema={body.schema as Schema} schemas={schemas} />
          {body.example !== undefined && (
            <pre className="docs-example">{JSON.stringify(body.example, null, 2)}</pre>
          )}
        </div>
      )}

      <div className="docs-block">
        <h4>Responses</h4>
        <dl className="docs-responses">
          {responses.map(([status, response]) => {
            const content = response.content ?? {};
            const json = content['application/json']?.schema as Schema | undefined;
            const codes = errorCodes(json);
            return (
              <Fragment key={status}>
                <dt>
                  <span className={`docs-status docs-status-${status[0]}xx`}>{status}</span>
                </dt>
                <dd>
                  {codes ? (
                    <span className="docs-codes">
                      {codes.map((code) => (
                        <code key={code}>{code}</code>
                      ))}
                    </span>
                  ) : (
                    <>
                      <Markdownish text={response.description} />
                      {json && <SchemaView schema={json} schemas={schemas} />}
                      {!json && Object.keys(content).length > 0 && (
                        <span className="docs-muted"> ({Object.keys(content).join(', ')})</span>
                      )}
                    </>
                  )}
                </dd>
              </Fragment>
            );
          })}
        </dl>
      </div>
    </article>
  );
}

/** The codes of an error response (`{"error":{"code"}}` with an enum), or null for any other body. */
function errorCodes(schema: Schema | undefined): string[] | null {
  const code = schema?.properties?.error?.properties?.code;
  return code?.enum ? code.enum.map(String) : null;
}

function refName(ref: string): string {
  return ref.replace('#/components/schemas/', '');
}

/** A schema as nested lists: properties with their types, required marks, enums and descriptions. */
function SchemaView({
  schema,
  schemas,
  depth = 0,
}: {
  schema: Schema;
  schemas: Record<string, Schema>;
  depth?: number;
}): ReactNode {
  if (schema.$ref) {
    const name = refName(schema.$ref);
    const target = schemas[name];
    if (!target || depth > 6) return <code className="docs-type">{name}</code>;
    return (
      <details className="docs-ref" open={depth < 1}>
        <summary>
          <code className="docs-type">{name}</code>
          {target.description && (
            <span className="docs-muted">
              {' '}
              <Markdownish text={target.description} />
            </span>
          )}
        </summary>
        <SchemaView schema={{ ...target, description: undefined }} schemas={schemas} depth={depth + 1} />
      </details>
    );
  }
  const variants = schema.anyOf ?? schema.oneOf;
  if (variants) {
    const others = variants.filter((variant) => variant.type !== 'null');
    const nullable = others.length < variants.length;
    if (others.length === 1 && others[0]) {
      return (
        <>
          <SchemaView schema={others[0]} schemas={schemas} depth={depth} />
          {nullable && <span className="docs-muted"> or null</span>}
        </>
      );
    }
    return (
      <div>
        <span className="docs-muted">one of{nullable ? ' (or null)' : ''}:</span>
        <ul className="docs-variants">
          {others.map((variant, index) => (
            <li key={index}>
              <SchemaView schema={variant} schemas={schemas} depth={depth + 1} />
            </li>
          ))}
        </ul>
      </div>
    );
  }
  if (schema.properties) {
    const required = new Set(schema.required ?? []);
    return (
      <ul className="docs-properties">
        {Object.entries(schema.properties).map(([name, property]) => (
          <li key={name}>
            <code className="docs-property">{name}</code>
            {required.has(name) ? (
              <span title="required"> *</span>
            ) : (
              <span className="docs-muted"> (optional)</span>
            )}
            {': '}
            <SchemaView schema={property} schemas={schemas} depth={depth + 1} />
            {property.description && (
              <div className="docs-muted">
                <Markdownish text={property.description} />
              </div>
            )}
          </li>
        ))}
      </ul>
    );
  }
  if (schema.type === 'array' && schema.items) {
    return (
      <>
        <span className="docs-type">array of </span>
        <SchemaView schema={schema.items} schemas={schemas} depth={depth + 1} />
      </>
    );
  }
  if (typeof schema.additionalProperties === 'object') {
    return (
      <>
        <span className="docs-type">map of string to </span>
        <SchemaView schema={schema.additionalProperties} schemas={schemas} depth={depth + 1} />
      </>
    );
  }
  return <span className="docs-type">{primitiveText(schema)}</span>;
}

function primitiveText(schema: Schema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' | ');
  const parts = [Array.isArray(schema.type) ? schema.type.join(' | ') : (schema.type ?? 'any')];
  if (schema.format) parts.push(`(${schema.format})`);
  if (schema.minLength !== undefined || schema.maxLength !== undefined) {
    parts.push(`${schema.minLength ?? 0}–${schema.maxLength ?? '∞'} characters`);
  }
  if (schema.pattern) parts.push(`matching ${schema.pattern}`);
  return parts.join(' ');
}

function exampleText(example: unknown): string {
  return example === undefined ? '' : typeof example === 'string' ? example : JSON.stringify(example);
}

/** Descriptions use `code` spans; everything else is plain text. */
function Markdownish({ text }: { text: string }) {
  return (
    <>
      {text
        .split('`')
        .map((part, index) =>
          index % 2 === 1 ? <code key={index}>{part}</code> : <Fragment key={index}>{part}</Fragment>,
        )}
    </>
  );
}
