// Jest's module system loads CommonJS only (its require(esm) needs --experimental-vm-modules),
// and some dependencies ship ESM only: Nest 12, @kubernetes/client-node and its auth libraries,
// jose 6 (jest.preset.js lets them through transformIgnorePatterns). This transform turns such a
// package's JavaScript into CommonJS and changes nothing else. ts-jest with the workspace's
// tsconfig would also apply `useDefineForClassFields: false`, which moves class field
// initialisers before a `super(…)` written inside an expression (jose 6's errors then throw
// "Must call super constructor"). `import.meta` (Nest's createRequire(import.meta.url)) has no
// CommonJS form: it becomes an object with the same url, dirname and filename.
const { createHash } = require('node:crypto');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  useDefineForClassFields: true,
  esModuleInterop: true,
  allowJs: true,
  sourceMap: true,
};

const IMPORT_META = '__stagecraftImportMeta';
/** A function declaration: hoisted, so `import.meta` works in the module's first statements too. */
const IMPORT_META_FUNCTION =
  `\nfunction ${IMPORT_META}() { return { url: require('node:url').pathToFileURL(__filename).href, ` +
  `dirname: __dirname, filename: __filename, resolve: (specifier) => require('node:url').pathToFileURL(require.resolve(specifier)).href }; }\n`;

/** The names CommonJS's module wrapper declares, which an ES module may declare itself. */
const WRAPPER_NAMES = new Set(['require', 'module', 'exports', '__filename', '__dirname']);

/** The wrapper's names the module's own top-level declarations take (`const require = createRequire(…)`). */
function declaredWrapperNames(sourceFile) {
  const names = new Set();
  for (const statement of sourceFile.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
      names.add(statement.name.text);
    }
  }
  return new Set([...names].filter((name) => WRAPPER_NAMES.has(name)));
}

/** The local names under which the module imports node:module's createRequire. */
function createRequireNames(sourceFile) {
  const names = new Set();
  for (const statement of sourceFile.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    if (!['module', 'node:module'].includes(statement.moduleSpecifier.text)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    for (const element of bindings.elements) {
      if ((element.propertyName ?? element.name).text === 'createRequire') names.add(element.name.text);
    }
  }
  return names;
}

/** `createRequire(import.meta.url)`: a require for the module's own location. */
function isOwnCreateRequire(node, names) {
  if (!ts.isCallExpression(node) || !ts.isIdentifier(node.expression) || !names.has(node.expression.text)) return false;
  const [argument] = node.arguments;
  return (
    node.arguments.length === 1 &&
    ts.isPropertyAccessExpression(argument) &&
    argument.name.text === 'url' &&
    ts.isMetaProperty(argument.expression) &&
    argument.expression.keywordToken === ts.SyntaxKind.ImportKeyword
  );
}

/** Whether `node` is the name of a property (`a.require`, `{ require: … }`), not a variable. */
function isPropertyName(node, parent) {
  return (
    parent !== undefined &&
    (ts.isPropertyAccessExpression(parent) ||
      ts.isPropertyAssignment(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isMethodDeclaration(parent) ||
      ts.isGetAccessorDeclaration(parent) ||
      ts.isSetAccessorDeclaration(parent)) &&
    parent.name === node
  );
}

/**
 * Makes `createRequire(import.meta.url)` the wrapper's `require`, replaces each other
 * `import.meta` with a call of IMPORT_META (noting whether there was one), and
 * renames the module's own declarations of the wrapper's names: CommonJS would see
 * `const require = …` redeclare the wrapper's parameter (a SyntaxError), and the `require(…)`
 * calls the imports become must still reach the wrapper's.
 */
function toCommonJs(found) {
  return (context) => (sourceFile) => {
    const renamed = declaredWrapperNames(sourceFile);
    const createRequire = createRequireNames(sourceFile);
    const visit = (parent) => (node) => {
      // The module's own require is Jest's (the wrapper's): Node's would load a second copy of
      // a package outside Jest's module registry (@nestjs/typeorm loads typeorm so).
      if (isOwnCreateRequire(node, createRequire)) return context.factory.createIdentifier('require');
      if (ts.isMetaProperty(node) && node.keywordToken === ts.SyntaxKind.ImportKeyword) {
        found.importMeta = true;
        return context.factory.createCallExpression(context.factory.createIdentifier(IMPORT_META), undefined, []);
      }
      if (ts.isIdentifier(node) && renamed.has(node.text) && !isPropertyName(node, parent)) {
        return context.factory.createIdentifier(`__esm_${node.text}`);
      }
      if (ts.isShorthandPropertyAssignment(node) && renamed.has(node.name.text)) {
        return context.factory.createPropertyAssignment(
          node.name.text,
          context.factory.createIdentifier(`__esm_${node.name.text}`),
        );
      }
      return ts.visitEachChild(node, visit(node), context);
    };
    return ts.visitNode(sourceFile, visit(undefined));
  };
}

/** Up while jest.global-setup.cjs requires its TypeScript: Node itself loads the ESM there. */
const nativeEsm = () => globalThis.__STAGECRAFT_NATIVE_ESM__ === true;

module.exports = {
  process(sourceText, sourcePath) {
    if (nativeEsm()) return { code: sourceText };
    const found = { importMeta: false };
    const { outputText, sourceMapText } = ts.transpileModule(sourceText, {
      fileName: sourcePath,
      compilerOptions,
      transformers: { before: [toCommonJs(found)] },
    });
    return { code: found.importMeta ? outputText + IMPORT_META_FUNCTION : outputText, map: sourceMapText };
  },
  getCacheKey(sourceText, sourcePath) {
    return createHash('sha256')
      .update(`esm-transform 5\0${ts.version}\0${nativeEsm()}\0${sourcePath}\0`)
      .update(sourceText)
      .digest('hex');
  },
};
