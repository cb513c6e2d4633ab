import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { exportCsv } from '../../src/portfolio/imports/export-format.js';
import { type ReadContext, readImportFile } from '../../src/portfolio/imports/import-parse.js';
import { decimalEvidence, readDate, readNumber } from '../../src/portfolio/imports/import-values.js';
import { toLedgerTransaction } from '../../src/portfolio/transaction-input.js';

const BROKER = '0b6f3f0e-8f5d-4f7e-9d55-2f6a1c1f4a10';
const SAVINGS = '5d0c9a3e-1b2f-4c6d-8e7f-9a0b1c2d3e4f';
const context: ReadContext = {
  accounts: [
    { id: BROKER, name: 'Broker', currency: 'USD' },
    { id: SAVINGS, name: 'Savings, EUR', currency: 'EUR' },
  ],
  defaultAccountId: BROKER,
  today: '2025-06-30',
};

const read = (text: string, options: Partial<ReadContext> = {}) =>
  readImportFile(text, { ...context, ...options });

function fileProblem(text: string): string {
  try {
    read(text);
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).message;
  }
  throw new Error('the file was accepted');
}

describe('reading import files', () => {
  it('reads our own format (the export columns), with its account column winning', () => {
    const { rows, errors } = read(
      [
        'account,date,type,symbol,quantity,price,amount,fee,tax,currency,fxRate,ratio,note',
        'Broker,2025-01-02,deposit,,,,5000,,,USD,,,',
        'Broker,2025-01-03,buy,aapl,10,100.25,,1.5,,USD,,,first',
        '"Savings, EUR",2025-01-04,buy,MSFT,2,400,,0,,USD,0.92,,',
        'Broker,2025-02-01,split,AAPL,,,,,,USD,,4:1,',
        'Broker,2025-03-15,dividend,AAPL,,,12.5,,1.875,USD,,,',
      ].join('\n'),
    );
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      { line: 2, accountId: BROKER, type: 'deposit', amount: '5000', currency: 'USD', date: '2025-01-02' },
      {
        line: 3,
        accountId: BROKER,
        type: 'buy',
        symbol: 'AAPL',
        quantity: '10',
        price: '100.25',
        fee: '1.5',
        currency: 'USD',
        date: '2025-01-03',
        note: 'first',
      },
      {
        line: 4,
        accountId: SAVINGS,
        type: 'buy',
        symbol: 'MSFT',
        quantity: '2',
        price: '400',
        fee: '0',
        currency: 'USD',
        date: '2025-01-04',
        fxRate: '0.92',
      },
      {
        line: 5,
        accountId: BROKER,
        type: 'split',
        symbol: 'AAPL',
        currency: 'USD',
        date: '2025-02-01',
        ratio: '4:1',
      },
      {
        line: 6,
        accountId: BROKER,
        type: 'dividend',
        symbol: 'AAPL',
        amount: '12.5',
        tax: '1.875',
        currency: 'USD',
        date: '2025-03-15',
      },
    ]);
  });

  it('reads common broker headers (any case, spaces and underscores) and action words', () => {
    const { rows, errors } = read(
      [
        'Trade Date,TICKER,Action,Qty,Unit_Price,Commission,CCY,Comment,Exchange',
        '2025-01-03,AAPL,Bought,10,100,1,USD,hello,NASDAQ',
        '2025-01-04,AAPL,SOLD,4,110,1,USD,,NASDAQ',
        '2025-01-05,AAPL,Div,,2.5,,USD,,',
        '2025-01-06,,Deposit,,1000,,,,',
        '2025-01-07,,withdrawal,,100,,,,',
        '2025-01-08,,fee,,5,,,,',
        '2025-01-09,,Interest,,0.5,,,,',
        '2025-01-10,AAPL,split,,,,,,',
      ].join('\n'),
    );
    expect(errors).toEqual([
      { line: 9, field: 'ratio', message: 'A split needs its ratio, new:old, e.g. 4:1.' },
    ]);
    expect(rows.map((row) => [row.type, row.quantity, row.price, row.amount, row.fee, row.currency])).toEqual(
      [
        ['buy', '10', '100', undefined, '1', 'USD'],
        ['sell', '4', '110', undefined, '1', 'USD'],
        // Without an amount column, a dividend's, a deposit's ... amount is price × quantity (1 if none).
        ['dividend', undefined, undefined, '2.5', undefined, 'USD'],
        ['deposit', undefined, undefined, '1000', undefined, 'USD'],
        ['withdrawal', undefined, undefined, '100', undefined, 'USD'],
        ['fee', undefined, undefined, '5', undefined, 'USD'],
        ['interest', undefined, undefined, '0.5', undefined, 'USD'],
      ],
    );
    expect(rows[0]?.note).toBe('hello');
  });

  it('reads a semicolon file with decimal commas, a BOM and quoted fields with separators inside', () => {
    const { rows, errors } = read(
      [
        '\uFEFFDate;Symbol;Type;Units;Price;Fee;Note',
        '03.01.2025;SAP.DE;buy;1,5;1.234,56;0,99;"buy; the first"',
        '04.01.2025;SAP.DE;buy;2;200;1;"with ""quotes"""',
        '05.01.2025;SAP.DE;sell;0,5;1.300;1;',
      ].join('\r\n'),
      { defaultAccountId: SAVINGS },
    );
    expect(errors).toEqual([]);
    expect(rows.map((row) => [row.line, row.quantity, row.price, row.fee, row.currency, row.note])).toEqual([
      [2, '1.5', '1234.56', '0.99', 'EUR', 'buy; the first'],
      [3, '2', '200', '1', 'EUR', 'with "quotes"'],
      // A point in a decimal-comma file groups thousands.
      [4, '0.5', '1300', '1', 'EUR', undefined],
    ]);
  });

  it('refuses numbers the file leaves ambiguous instead of guessing', () => {
    const { rows, errors } = read(
      ['date;type;symbol;quantity;price', '2025-01-03;buy;AAPL;1,234;10'].join('\n'),
    );
    expect(rows).toEqual([]);
    expect(errors).toEqual([
      {
        line: 2,
        field: 'quantity',
        message: expect.stringContaining('could be read with the comma or the point'),
      },
    ]);
    // Another cell settles it: "1,5" can only be a decimal comma, so "1,234" is 1.234.
    const settled = read(['date;type;symbol;quantity;price', '2025-01-03;buy;AAPL;1,234;1,5'].join('\n'));
    expect(settled.rows[0]).toMatchObject({ quantity: '1.234', price: '1.5' });
    const mixed = read(['date;type;symbol;quantity;price', '2025-01-03;buy;AAPL;1,5;2.5'].join('\n'));
    expect(mixed.errors.map((error) => error.field)).toEqual(['quantity', 'price']);
  });

  it('reads numbers: evidence of the decimal mark, thousands groups, signs', () => {
    expect(decimalEvidence('1,5')).toBe(',');
    expect(decimalEvidence('1.234,56')).toBe(',');
    expect(decimalEvidence('1,234.56')).toBe('.');
    expect(decimalEvidence('1,234,567')).toBe('.');
    expect(decimalEvidence('0,123')).toBe(',');
    expect(decimalEvidence('1,234')).toBe('ambiguous');
    expect(decimalEvidence('12')).toBe('none');
    expect(readNumber('1,234.5', '.')).toBe('1234.5');
    expect(readNumber('-1.234,5', ',')).toBe('-1234.5');
    expect(readNumber(',5', ',')).toBe('0.5');
    expect(readNumber('12,34,5', '.')).toEqual({ problem: '"12,34,5" is not a number.' });
    expect(readNumber('1.2.3', ',')).toEqual({ problem: '"1.2.3" is not a number.' });
    expect(readNumber('abc', '.')).toEqual({ problem: '"abc" is not a number.' });
  });

  it('reads ISO dates (with a time part) and day-first dates', () => {
    const orders = new Map();
    expect(readDate('2025-03-04', orders)).toBe('2025-03-04');
    expect(readDate('2025-03-04T23:30:00.000Z', orders)).toBe('2025-03-04');
    expect(readDate('2025-03-04 10:00', orders)).toBe('2025-03-04');
    expect(readDate('20250304', orders)).toBe('2025-03-04');
    expect(readDate('04.03.2025', orders)).toBe('2025-03-04');
    expect(readDate('4.3.2025', orders)).toBe('2025-03-04');
    expect(readDate('25/03/2025', orders)).toBe('2025-03-25');
    expect(readDate('05/05/2025', orders)).toBe('2025-05-05');
    expect(readDate('03/25/2025', orders)).toBe('2025-03-25');
    expect(readDate('March 4', orders)).toEqual({ problem: expect.stringContaining('is not a date') });
  });

  it('refuses an ambiguous date unless other dates of the file, with the same separator, settle it', () => {
    const ambiguous = read('date,type,amount\n03/04/2025,deposit,10\n');
    expect(ambiguous.errors).toEqual([
      { line: 2, field: 'date', message: expect.stringContaining('"03/04/2025" is ambiguous') },
    ]);
    const dayFirst = read('date,type,amount\n03/04/2025,deposit,10\n25/04/2025,deposit,10\n');
    expect(dayFirst.rows.map((row) => row.date)).toEqual(['2025-04-03', '2025-04-25']);
    const monthFirst = read('date,type,amount\n03/04/2025,deposit,10\n04/25/2025,deposit,10\n');
    expect(monthFirst.rows.map((row) => row.date)).toEqual(['2025-03-04', '2025-04-25']);
    // A dotted day > 12 says nothing about slashed dates.
    const otherSeparator = read('date,type,amount\n03/04/2025,deposit,10\n25.04.2025,deposit,10\n');
    expect(otherSeparator.errors.map((error) => error.line)).toEqual([2]);
    // Both orders in one file: the ambiguous ones are refused.
    const conflicting = read(
      'date,type,amount\n03/04/2025,deposit,10\n25/04/2025,deposit,10\n04/25/2025,deposit,10\n',
    );
    expect(conflicting.errors).toEqual([
      { line: 2, field: 'date', message: expect.stringContaining('day first and others month first') },
    ]);
    const missingDay = read('date,type,amount\n30.02.2025,deposit,10\n');
    expect(missingDay.errors).toEqual([{ line: 2, field: 'date', message: 'That date does not exist.' }]);
  });

  it("reads Ghostfolio's export JSON", () => {
    const text = readFileSync(new URL('../fixtures/ghostfolio-export.json', import.meta.url), 'utf8');
    const { rows, errors } = read(text);
    expect(rows).toEqual([
      { line: 2, accountId: BROKER, type: 'fee', amount: '25', currency: 'USD', date: '2025-01-02' },
      {
        line: 3,
        accountId: BROKER,
        type: 'buy',
        symbol: 'MSFT',
        quantity: '8',
        price: '412.37',
        fee: '4.95',
        currency: 'USD',
        date: '2025-01-15',
        note: 'First order',
      },
      // A dividend is quantity × unit price.
      {
        line: 4,
        accountId: BROKER,
        type: 'dividend',
        symbol: 'MSFT',
        amount: '6.64',
        fee: '0',
        currency: 'USD',
        date: '2025-03-13',
      },
      // No account: the one chosen for the import.
      {
        line: 5,
        accountId: BROKER,
        type: 'interest',
        amount: '3.1',
        fee: '0',
        currency: 'USD',
        date: '2025-03-31',
      },
      {
        line: 6,
        accountId: BROKER,
        type: 'sell',
        symbol: 'MSFT',
        quantity: '3',
        price: '430',
        fee: '1',
        currency: 'USD',
        date: '2025-04-01',
      },
    ]);
    expect(errors).toEqual([{ line: 7, field: 'type', message: expect.stringContaining('ITEM') }]);
    // Its accounts are matched by name: a Ghostfolio account we do not have is a row error.
    const elsewhere = read(text, {
      accounts: [{ id: SAVINGS, name: 'Savings', currency: 'USD' }],
      defaultAccountId: SAVINGS,
    });
    expect(elsewhere.errors.filter((error) => error.field === 'account').map((error) => error.line)).toEqual([
      2, 3, 4, 6, 7,
    ]);
  });

  it('reads our JSON export back', () => {
    const json = JSON.stringify({
      meta: { format: 'stock-tracker transactions', version: 1 },
      transactions: [
        {
          account: 'Broker',
          date: '2025-01-03',
          type: 'buy',
          symbol: 'AAPL',
          quantity: '1.5',
          price: '10',
          fee: '0',
          currency: 'USD',
          note: null,
        },
      ],
    });
    expect(read(json).rows).toEqual([
      {
        line: 2,
        accountId: BROKER,
        type: 'buy',
        symbol: 'AAPL',
        quantity: '1.5',
        price: '10',
        fee: '0',
        currency: 'USD',
        date: '2025-01-03',
      },
    ]);
  });

  it('reports every kind of bad row with its line and field, as the API would refuse it', () => {
    const { rows, errors } = read(
      [
        'date,type,symbol,quantity,price,amount,ratio,account,currency',
        ',buy,AAPL,1,10,,,,',
        '2025-01-03,buy,AAPL,one,10,,,,',
        '2025-01-03,swap,AAPL,1,10,,,,',
        '2025-07-01,buy,AAPL,1,10,,,,',
        '2025-01-03,sell,AAPL,-1,10,,,,',
        '2025-01-03,split,AAPL,,,,0:1,,',
        '2025-01-03,buy,AAPL,1,,,,,',
        '2025-01-03,buy,,1,10,,,,',
        '2025-01-03,deposit,AAPL,,,100,,,',
        '2025-01-03,buy,AAPL,1,10,,,Pension,',
        '2025-01-03,buy,AAPL,1,10,,,,US',
        '2025-01-03,split,AAPL,,,,4-1,,',
      ].join('\n'),
    );
    expect(rows).toEqual([]);
    expect(errors).toEqual([
      { line: 2, field: 'date', message: 'Date is required.' },
      { line: 3, field: 'quantity', message: '"one" is not a number.' },
      { line: 4, field: 'type', message: expect.stringContaining('"swap" is not a type') },
      { line: 5, field: 'date', message: 'The date is in the future.' },
      { line: 6, field: 'quantity', message: 'Quantity must be more than 0.' },
      { line: 7, field: 'ratio', message: 'Neither side of a split ratio may be 0.' },
      { line: 8, field: 'price', message: 'Price must be more than 0.' },
      { line: 9, field: 'symbol', message: 'A buy needs a symbol.' },
      { line: 10, field: 'symbol', message: 'A deposit has no symbol.' },
      { line: 11, field: 'account', message: 'You have no account named "Pension".' },
      { line: 12, field: 'currency', message: 'Currency must be a three-letter ISO 4217 code like USD.' },
      { line: 13, field: 'ratio', message: 'Ratio is new:old, e.g. 4:1.' },
    ]);
  });

  it('needs an account for rows that name none', () => {
    const { errors } = read('date,type,amount\n2025-01-03,deposit,10\n', { defaultAccountId: undefined });
    expect(errors).toEqual([{ line: 2, field: 'account', message: expect.stringContaining('No account') }]);
  });

  it('refuses a file it cannot read as a whole', () => {
    expect(fileProblem('name,colour\nx,blue\n')).toContain('no date column');
    expect(fileProblem('date,type\n')).toBe('The file has no rows.');
    expect(fileProblem('date,type,fee,commission\n2025-01-01,fee,1,1\n')).toContain(
      'Two columns of the header mean fee',
    );
    expect(fileProblem('{"positions": []}')).toContain('neither our export');
    expect(fileProblem('{"transactions": [')).toContain('not valid JSON');
    expect(fileProblem('date,type\n2025-01-01,"deposit\n')).toContain('not valid CSV');
  });

  it('reads its own export back to the same transactions', () => {
    const { rows } = read(
      [
        'account,date,type,symbol,quantity,price,amount,fee,tax,currency,fxRate,ratio,note',
        'Broker,2025-01-03,buy,AAPL,1.234,100.25,,1.5,,USD,,,"a ""note"", with commas"',
        '"Savings, EUR",2025-01-04,buy,MSFT,2,400,,0,,USD,0.92,,',
      ].join('\n'),
    );
    const names = new Map(context.accounts.map((account) => [account.id, account.name]));
    const exported = exportCsv(
      rows.map((row, index) => toLedgerTransaction(row, String(index), index)),
      names,
    );
    const again = read(exported);
    expect(again.errors).toEqual([]);
    expect(again.rows).toEqual(rows);
  });
});
