import { locateJsonError } from './json-errors';

/** V8's own position, where its message has one ("... (line L column C)"). */
function v8Position(text: string): { line: number; column: number } | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    const m = /\(line (\d+) column (\d+)\)/.exec((err as Error).message);
    return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
  }
}

describe('locateJsonError', () => {
  test.each([
    '{}', '[]', '"x"', '0', '-1.5e+3', 'true', ' null ', '{"a": [1, {"b": "c\\n\\u00e9"}], "d": false}', '{\n  "k": "v"\n}\n',
  ])('valid: %s', (text) => {
    expect(locateJsonError(text)).toBeUndefined();
  });

  test.each([
    ['{"a":1', 1, 7, true],
    ['{"a": 1,\n "b": }', 2, 7, false],
    ['[1,]', 1, 4, false],
    ['{"a": 01}', 1, 8, false],
    ['{"a": "x\ny"}', 1, 9, false],
    ["{'a': 1}", 1, 2, false],
    ['{"a": tru}', 1, 7, false],
    ['{"a": "\\x"}', 1, 9, false],
    ['{"a":1}}', 1, 8, false],
    ['', 1, 1, true],
    ['{"a": "unterminated', 1, 20, true],
  ])('%j breaks at line %i, column %i', (text, line, column, atEnd) => {
    expect(locateJsonError(text)).toEqual({ line, column, atEnd });
  });

  test.each([
    '{"a":1',
    '{"a": 1 "b": 2}',
    '{"a": "x\ny"}',
    '{"a":1}}',
    '{\n  "SqlSettings": {\n    "DataSource": "postgres://u:p@h/d" "DriverName": "postgres"\n  }\n}',
  ])('agrees with V8 where V8 gives a position: %j', (text) => {
    const v8 = v8Position(text);
    expect(v8).toBeDefined();
    const ours = locateJsonError(text);
    expect(ours && { line: ours.line, column: ours.column }).toEqual(v8);
  });

  test('deeply nested input does not overflow the stack', () => {
    expect(locateJsonError('['.repeat(100000))).toMatchObject({ line: 1 });
  });
});
