/**
 * The flag parser: both spellings of a value, defaults, every kind's validation with messages
 * that name the flag and what it allows, densities, and the generated help.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CliUsageError, booleanFlag, densityFlag, enumFlag, formatHelp, intFlag, numberFlag, parseFlags, stringFlag, toDensities, usageErrorOf,
} from '../../src/cli/args.js';
import { OptionError, resolveDensities } from '../../src/experiments/options.js';
import { logSpacedDensities } from '../../src/models/data.js';

const specs = {
  steps: intFlag({ default: 100, min: 0, help: 'steps' }),
  lr: numberFlag({ default: 1e-3, min: 0, exclusiveMin: true, defaultText: '1e-3', help: 'learning rate' }),
  fraction: numberFlag({ default: 0.5, min: 0, max: 1, help: 'a fraction' }),
  model: enumFlag({ default: 'relu', values: ['relu', 'linear'] as const, help: 'which model' }),
  density: densityFlag({ default: '1:0.02', help: 'densities' }),
  out: stringFlag({ default: '', placeholder: 'DIR', help: 'folder' }),
  json: booleanFlag({ help: 'JSON' }),
};

/** The CliUsageError message parsing `argv` throws. */
function usageMessage(argv: string[]): string {
  try {
    parseFlags(specs, argv);
  } catch (error) {
    expect(error).toBeInstanceOf(CliUsageError);
    return (error as CliUsageError).message;
  }
  throw new Error(`expected ${argv.join(' ')} to be refused`);
}

describe('parseFlags', () => {
  it('gives every absent flag its default, and help false', () => {
    const flags = parseFlags(specs, []);
    expect(flags).toEqual({
      steps: 100, lr: 1e-3, fraction: 0.5, model: 'relu', density: { kind: 'range', high: 1, low: 0.02, text: '1:0.02' },
      out: '', json: false, help: false,
    });
  });

  it('reads --flag value and --flag=value alike', () => {
    const spaced = parseFlags(specs, ['--steps', '7', '--model', 'linear', '--lr', '0.5', '--out', 'runs/a', '--json']);
    const joined = parseFlags(specs, ['--steps=7', '--model=linear', '--lr=0.5', '--out=runs/a', '--json=true']);
    expect(spaced).toEqual(joined);
    expect(spaced).toMatchObject({ steps: 7, model: 'linear', lr: 0.5, out: 'runs/a', json: true });
  });

  it('reads --help and -h anywhere', () => {
    expect(parseFlags(specs, ['--steps', '3', '--help']).help).toBe(true);
    expect(parseFlags(specs, ['-h']).help).toBe(true);
  });

  it('accepts every whole number within the bounds, as typed', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1e9 }), (n) => {
      expect(parseFlags(specs, [`--steps=${n}`]).steps).toBe(n);
      expect(parseFlags(specs, ['--steps', String(n)]).steps).toBe(n);
    }));
  });

  it('refuses a negative whole number, naming the flag, the rule and the value', () => {
    fc.assert(fc.property(fc.integer({ min: -1e9, max: -1 }), (n) => {
      expect(usageMessage(['--steps', String(n)])).toBe(`--steps must be a whole number ≥ 0, got ${n}`);
    }));
  });

  it('refuses fractions, words, hex and blanks for a whole number; accepts 1e3 as 1000', () => {
    for (const text of ['1.5', 'ten', '0x10', '', ' ', 'Infinity', 'NaN', '1e400']) {
      expect(usageMessage([`--steps=${text}`])).toMatch(/^--steps must be a whole number ≥ 0, got /);
    }
    expect(parseFlags(specs, ['--steps', '1e3']).steps).toBe(1000);
  });

  it('checks number bounds, strict and not', () => {
    expect(usageMessage(['--lr', '0'])).toBe('--lr must be a number > 0, got 0');
    expect(usageMessage(['--fraction', '1.01'])).toBe('--fraction must be a number ≥ 0 and ≤ 1, got 1.01');
    expect(parseFlags(specs, ['--fraction', '0']).fraction).toBe(0);
    expect(parseFlags(specs, ['--fraction', '1']).fraction).toBe(1);
    expect(parseFlags(specs, ['--lr', '.5e-2']).lr).toBe(0.005);
  });

  it('lists the allowed words of an enum', () => {
    expect(usageMessage(['--model', 'tanh'])).toBe('--model must be one of relu, linear, got tanh');
  });

  it('takes no value for a boolean except =true or =false', () => {
    expect(parseFlags(specs, ['--json=false']).json).toBe(false);
    expect(usageMessage(['--json=yes'])).toBe('--json takes no value (or =true, =false), got yes');
  });

  it('names an unknown flag, and suggests the near one', () => {
    expect(usageMessage(['--nope', '1'])).toBe('unknown flag --nope (see --help for the flags)');
    expect(usageMessage(['--stpes', '1'])).toContain('unknown flag --stpes; did you mean --steps?');
    expect(usageMessage(['--mdoel=relu'])).toContain('did you mean --model?');
  });

  it('refuses a flag without its value, given twice, or a bare word', () => {
    expect(usageMessage(['--steps'])).toBe('--steps needs a value: a whole number ≥ 0');
    expect(usageMessage(['--steps', '--json'])).toBe('--steps needs a value: a whole number ≥ 0');
    expect(usageMessage(['--steps', '1', '--steps', '2'])).toBe('--steps is given more than once');
    expect(usageMessage(['steps'])).toContain("unexpected argument 'steps'");
    expect(usageMessage(['--out='])).toBe('--out must not be empty, got nothing');
  });
});

describe('densities', () => {
  it('reads a list and a range', () => {
    expect(parseFlags(specs, ['--density', '1,0.5,0.25']).density).toMatchObject({ kind: 'list', values: [1, 0.5, 0.25] });
    expect(parseFlags(specs, ['--density=0.5:0.01']).density).toMatchObject({ kind: 'range', high: 0.5, low: 0.01 });
  });

  it('refuses a value outside (0, 1], naming that value', () => {
    expect(usageMessage(['--density', '0.5,1.5'])).toBe('--density values must be in (0, 1] (the probability that a feature is present), got 1.5');
    expect(usageMessage(['--density', '0:0.1'])).toContain('got 0');
    expect(usageMessage(['--density', '1,-0.1'])).toContain('got -0.1');
    expect(usageMessage(['--density', '1:0.1:0.01'])).toMatch(/^--density must be a comma list .* or a range hi:lo/);
    expect(usageMessage(['--density', '1,,0.5'])).toMatch(/^--density must be/);
  });

  it('spreads a range log-evenly over the instances, ends included', () => {
    fc.assert(fc.property(fc.double({ min: 1e-3, max: 1, noNaN: true }), fc.double({ min: 1e-3, max: 1, noNaN: true }), fc.integer({ min: 1, max: 30 }),
      (high, low, count) => {
        const spread = resolveDensities(toDensities({ kind: 'range', high, low, text: '' }), count);
        expect(spread).toEqual(logSpacedDensities(high, low, count));
        expect(spread).toHaveLength(count);
        expect(spread[0]).toBe(high);
        if (count > 1) expect(spread[count - 1]).toBeCloseTo(low, 12);
      }));
  });

  it('insists on one listed value per instance', () => {
    const spec = parseFlags(specs, ['--density', '1,0.5']).density;
    expect(resolveDensities(toDensities(spec), 2)).toEqual([1, 0.5]);
    let refusal: unknown;
    try {
      resolveDensities(toDensities(spec), 8);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(OptionError);
    expect((refusal as OptionError).message).toBe('density lists 2 values but instances is 8; give one density per instance, or a range hi:lo');
    // The command line names the options as its flags.
    expect(usageErrorOf(refusal as OptionError)).toEqual(new CliUsageError(
      '--density lists 2 values but --instances is 8; give one density per instance, or a range hi:lo'));
  });
});

describe('formatHelp', () => {
  it('lists every flag with its placeholder and default, then --help', () => {
    const text = formatHelp({ usage: 'superposition test [flags]', description: 'Tests.', flags: specs, notes: 'Run time: none.' });
    expect(text.startsWith('Usage: superposition test [flags]\n')).toBe(true);
    for (const [name, spec] of Object.entries(specs)) {
      expect(text).toContain(`--${name}${spec.placeholder ? ` ${spec.placeholder}` : ''}`);
      if (!spec.isBoolean) expect(text).toContain(`(default ${spec.defaultText})`);
    }
    expect(text).toContain('(default 1e-3)');
    expect(text).toContain('--model relu|linear');
    expect(text).toMatch(/--help\s+show this help/);
    expect(text.trimEnd().endsWith('Run time: none.')).toBe(true);
  });

  it('keeps lines within the width, wrapping long help', () => {
    const long = { flag: intFlag({ default: 1, help: 'word '.repeat(60).trim() }) };
    const text = formatHelp({ usage: 'u', description: 'd', flags: long }, 80);
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
    expect(text).toContain('(default 1)');
  });
});
