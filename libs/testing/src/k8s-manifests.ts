import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import type * as TypeScript from 'typescript';
import { parseAllDocuments } from 'yaml';

const ROOT = resolve(__dirname, '../../..');
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [key: string]: any };

/** `kubectl kustomize DIR`: the objects an overlay applies. */
export function renderKustomization(dir: string): K8sObject[] {
  let out: string;
  try {
    out = execFileSync(process.env.KUBECTL ?? 'kubectl', ['kustomize', resolve(ROOT, dir)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('kubectl is not installed (or set KUBECTL): the Kubernetes overlays are rendered with `kubectl kustomize`');
    throw new Error(`kubectl kustomize ${dir} failed: ${String((e as { stderr?: string }).stderr ?? e)}`);
  }
  return parseAllDocuments(out).map((d) => d.toJS() as K8sObject).filter(Boolean);
}

/**
 * Where kubernetes-models (the Kubernetes OpenAPI schemas, compiled) and
 * @kubernetes-models/cert-manager (cert-manager's CRD schemas) keep a kind's model.
 */
function modelModule(apiVersion: string, kind: string): string {
  if (apiVersion.startsWith('cert-manager.io/')) return `@kubernetes-models/cert-manager/${apiVersion}/${kind}`;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/** The schema errors of each object (types, required fields, enums, formats such as quantities); [] when all validate. */
export function schemaErrors(objects: K8sObject[]): string[] {
  return objects.flatMap((o) => {
    const id = `${o.kind} ${o.metadata?.name}`;
    let Model: new (data: unknown) => { validate(): void };
    try {
      Model = require(modelModule(o.apiVersion, o.kind))[o.kind];
    } catch {
      return [`${id}: no schema for ${o.apiVersion} ${o.kind}`];
    }
    try {
      new Model(o).validate();
      return [];
    } catch (e) {
      return [`${id}: ${(e as Error).message}`];
    }
  });
}

/**
 * Fields the schemas do not know, as the API server's strict field validation refuses them (a
 * misspelt `readOnlyRootFileSystem` would otherwise pass unnoticed: the compiled schemas allow
 * unknown properties). Each object is type-checked as an object literal of its model's interface,
 * so TypeScript's excess-property check finds every unknown field at any depth.
 */
export function unknownFieldErrors(objects: K8sObject[]): string[] {
  // Loaded here, not with @lapi/testing: the compiler is large and only this check needs it.
  const ts = require('typescript') as typeof TypeScript;
  const file = join(ROOT, 'libs/testing/src/__rendered-k8s-objects__.ts');
  const lines = objects.map((o, i) => `import type { I${o.kind} as T${i} } from '${modelModule(o.apiVersion, o.kind)}';`);
  lines.push(...objects.map((o, i) => `export const o${i}: T${i} = ${JSON.stringify(o, null, 1)};`));
  const source = lines.join('\n');
  const options: TypeScript.CompilerOptions = { strict: true, noEmit: true, skipLibCheck: true, types: [], module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, moduleResolution: ts.ModuleResolutionKind.Node10 };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, ...rest) => (resolve(name) === file ? ts.createSourceFile(name, source, version) : getSourceFile(name, version, ...rest));
  host.fileExists = ((exists) => (name: string) => resolve(name) === file || exists(name))(host.fileExists.bind(host));
  const program = ts.createProgram([file], options, host);
  const sourceFile = program.getSourceFile(file)!;
  return ts.getPreEmitDiagnostics(program, sourceFile).map((d) => {
    const line = d.start === undefined ? 0 : sourceFile.getLineAndCharacterOfPosition(d.start).line;
    const objectIndex = Number(/^export const o(\d+)/.exec(source.split('\n').slice(0, line + 1).reverse().find((l) => l.startsWith('export const o')) ?? '')?.[1]);
    const o = objects[objectIndex];
    return `${o ? `${o.kind} ${o.metadata?.name}` : '?'}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}
