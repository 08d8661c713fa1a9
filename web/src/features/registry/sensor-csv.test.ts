import { describe, expect, it } from 'vitest';
import { csvRecords, parseSensorCsv } from './sensor-csv';

describe('sensor CSV', () => {
  it('reads quoted cells with commas, doubled quotes and line breaks, and CRLF files', () => {
    expect(csvRecords('a,"b, c","say ""hi"""\r\n"two\nlines",x\r\n')).toEqual([
      { line: 1, cells: ['a', 'b, c', 'say "hi"'] },
      { line: 2, cells: ['two\nlines', 'x'] },
    ]);
  });

  it('maps columns by the header, in any order, numbers as numbers, empty optional cells as null', () => {
    const parsed = parseSensorCsv(
      '\uFEFFkind,id,name,minValue,maxValue,expectedIntervalSeconds,zoneId\n' +
        'temperature,hall-a/t1,"Hall A, temperature 1",-20,60,10,hall-a\n' +
        'humidity,hall-a/h1,Hall A humidity,,,,\n',
    );
    expect(parsed.problem).toBeNull();
    expect(parsed.rows.map((r) => r.input)).toEqual([
      {
        kind: 'temperature',
        id: 'hall-a/t1',
        name: 'Hall A, temperature 1',
        minValue: -20,
        maxValue: 60,
        expectedIntervalSeconds: 10,
        zoneId: 'hall-a',
      },
      {
        kind: 'humidity',
        id: 'hall-a/h1',
        name: 'Hall A humidity',
        minValue: null,
        maxValue: null,
        expectedIntervalSeconds: null,
        zoneId: null,
      },
    ]);
  });

  it('reports a bad row with its line and keeps the others', () => {
    const parsed = parseSensorCsv(
      'id,name,kind,maxValue,expectedIntervalSeconds\na,A,t,hot,10\nb,B,t,5,1.5\nc,C,t,5,10\n',
    );
    expect(parsed.rows.map((r) => [r.line, r.problem])).toEqual([
      [2, 'maxValue "hot" is not a number'],
      [3, 'expectedIntervalSeconds "1.5" is not a whole number'],
      [4, null],
    ]);
  });

  it('refuses a file without the required columns or with unknown ones', () => {
    expect(parseSensorCsv('id,name\na,b\n').problem).toContain('kind');
    expect(parseSensorCsv('id,name,kind,colour\n').problem).toContain('"colour"');
    expect(parseSensorCsv('').problem).toBe('The file is empty.');
  });
});
