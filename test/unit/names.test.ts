/**
 * Names (`lib/domain/names.ts`): normal forms, folding, full-name parsing, nicknames, phonetic
 * keys and similarity. (Over 400 lines as one thing: the cases of one module.)
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  areNicknames,
  foldText,
  generationOf,
  isFirstNameTypo,
  isListedGivenName,
  isSurnameTypo,
  mayBeFirstNameTypo,
  mayBeNicknameTypo,
  nameSimilarity,
  nicknameGroups,
  normaliseName,
  parseFullName,
  phoneticKey,
  untrustedNicknamePairs,
  withinOneEdit,
} from "../../lib/domain/names.js";
import { NICKNAMES } from "../../lib/domain/refdata/nicknames.js";

/** Every pair of the vendored table, canonical first. */
const tablePairs: [string, string][] = Object.entries(NICKNAMES).flatMap(([name, nicknames]) =>
  nicknames.split(" ").map((nickname): [string, string] => [name, nickname]),
);
const tableNames = [...new Set(tablePairs.flat())].sort();

/** A plausible name word: ASCII letters, a few accented ones, an apostrophe or hyphen inside. */
const nameWord = fc
  .tuple(
    fc.stringMatching(/^[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]{1,8}$/),
    fc.constantFrom("", "'", "-"),
    fc.stringMatching(/^[a-z]{0,6}$/),
  )
  .map(([head, joint, tail]) => (tail === "" ? head : `${head}${joint}${tail}`));

/** One to three words that are not titles or suffixes (checked by the property that uses it). */
const plainName = fc
  .array(nameWord, { minLength: 1, maxLength: 3 })
  .map((words) => words.join(" "));

const titles = ["Mr", "Mrs.", "Ms", "Miss", "Dr.", "Prof", "Rev.", "Reverend", "Sir", "Mx"];
const suffixes = ["Jr.", "Jr", "Sr", "II", "III", "IV", "PhD", "M.D.", "Esq.", "Junior"];
const whitespace = fc.constantFrom(" ", "  ", "\t", " \n ");

/** Letters with a combining mark after some of them: accents the name did not have. */
const withAccents = (name: string, marks: readonly string[]): string =>
  [...name].map((char, i) => (/[a-z]/i.test(char) ? `${char}${marks[i] ?? ""}` : char)).join("");

describe("normaliseName", () => {
  it.each([
    ["  Dr. Seán O'Neil-Smith, Jr. ", "sean oneil smith"],
    ["O'Neil", "oneil"],
    ["O\u2019Neil", "oneil"],
    ["Mary-Jane", "mary jane"],
    ["JOSÉ  MARÍA", "jose maria"],
    ["Zoë", "zoe"],
    ["Łukasz Żółć", "lukasz zolc"],
    ["Søren Kierkegaard", "soren kierkegaard"],
    ["Straße", "strasse"],
    ["Mrs. Smith", "smith"],
    ["John Smith III", "john smith"],
    ["Jane Doe, PhD", "jane doe"],
    ["Junior", "junior"],
    ["Junior Smith", "junior smith"],
    ["Smith, Jr., John", "smith john"],
    ["Mr.", null],
    ["Dr Prof", null],
    ["  ", null],
    ["-.'", null],
    [null, null],
    [undefined, null],
  ])("reads %j as %j", (raw, expected) => {
    expect(normaliseName(raw)).toBe(expected);
  });

  it("is idempotent on any text", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" })),
        (raw) => {
          const once = normaliseName(raw);
          expect(normaliseName(once)).toBe(once);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("gives lower-case letters and digits separated by single spaces, or null", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (raw) => {
        const name = normaliseName(raw);
        if (name !== null) {
          expect(name).toMatch(/^[\p{L}\p{N}]+( [\p{L}\p{N}]+)*$/u);
          expect(name.toLowerCase()).toBe(name);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("ignores case, accents and extra whitespace", () => {
    fc.assert(
      fc.property(
        fc.array(nameWord, { minLength: 1, maxLength: 3 }),
        fc.array(fc.constantFrom("\u0301", "\u0308", "\u0300", "\u0327", ""), { maxLength: 20 }),
        whitespace,
        whitespace,
        (words, marks, gap, edge) => {
          const plain = words.join(" ");
          const messy = `${edge}${withAccents(words.join(gap), marks).toUpperCase()}${edge}`;
          expect(normaliseName(messy)).toBe(normaliseName(plain));
        },
      ),
    );
  });

  it("ignores titles before and suffixes after a name", () => {
    fc.assert(
      fc.property(
        plainName,
        fc.subarray(titles, { maxLength: 2 }),
        fc.subarray(suffixes, { maxLength: 2 }),
        (name, before, after) => {
          const plain = normaliseName(name);
          fc.pre(plain !== null && !/^(junior|jr|sr|ii|iii|iv|md|esq|phd)\b/u.test(plain));
          expect(normaliseName([...before, name, ...after].join(" "))).toBe(plain);
        },
      ),
    );
  });
});

describe("foldText", () => {
  it("turns punctuation into single spaces and removes apostrophes", () => {
    expect(foldText(" 12-14 O'Connell St., #4 ")).toBe("12 14 oconnell st 4");
  });

  it("decomposes compatibility characters (fullwidth, ligatures, script capitals)", () => {
    expect(foldText("ＡＢＣ ﬁ ℌ")).toBe("abc fi h");
  });
});

describe("parseFullName", () => {
  it.each([
    ["John Smith", { first: "John", middle: null, last: "Smith" }],
    ["John Quincy Adams", { first: "John", middle: "Quincy", last: "Adams" }],
    ["Smith, John", { first: "John", middle: null, last: "Smith" }],
    ["Smith, John Q.", { first: "John", middle: "Q.", last: "Smith" }],
    ["Smith Jr., John", { first: "John", middle: null, last: "Smith" }],
    ["John Smith, Jr.", { first: "John", middle: null, last: "Smith" }],
    ["Smith, John, Jr.", { first: "John", middle: null, last: "Smith" }],
    ["Dr. Maria de la Cruz Jr.", { first: "Maria", middle: null, last: "de la Cruz" }],
    ["Anna Maria van der Berg", { first: "Anna", middle: "Maria", last: "van der Berg" }],
    ["Ludwig van Beethoven", { first: "Ludwig", middle: null, last: "van Beethoven" }],
    ["John St. Clair", { first: "John", middle: null, last: "St. Clair" }],
    ["Omar Al Said", { first: "Omar", middle: null, last: "Al Said" }],
    ["Van Morrison", { first: "Van", middle: null, last: "Morrison" }],
    ["Mrs. Mary-Jane  O'Neil", { first: "Mary-Jane", middle: null, last: "O'Neil" }],
    ["Jane", { first: "Jane", middle: null, last: null }],
    ["Junior", { first: "Junior", middle: null, last: null }],
    ["Mr.", { first: null, middle: null, last: null }],
    ["  ", { first: null, middle: null, last: null }],
    [",", { first: null, middle: null, last: null }],
  ])("splits %j", (raw, expected) => {
    expect(parseFullName(raw)).toEqual(expected);
  });

  it("reads both forms of the same name alike", () => {
    const particle = new Set(["al", "bin", "da", "das", "de", "del", "della", "den", "der", "des"]);
    for (const word of ["di", "do", "dos", "du", "el", "ibn", "la", "le", "lo", "mac", "saint"]) {
      particle.add(word);
    }
    for (const word of ["st", "ste", "ten", "ter", "van", "von"]) particle.add(word);
    // A word that is neither a title, a suffix nor a surname particle.
    const plainWord = nameWord.filter((word) => {
      const folded = foldText(word);
      return (
        folded !== null && normaliseName(`x ${word}`) === `x ${folded}` && !particle.has(folded)
      );
    });
    fc.assert(
      fc.property(plainWord, plainWord, plainWord, (first, middle, last) => {
        const expected = { first, middle, last };
        expect(parseFullName(`${first} ${middle} ${last}`)).toEqual(expected);
        expect(parseFullName(`${last}, ${first} ${middle}`)).toEqual(expected);
        expect(parseFullName(` Mr. ${last} , ${first}  ${middle}, Jr.`)).toEqual(expected);
      }),
    );
  });

  it("never loses a word of a name without titles or suffixes", () => {
    fc.assert(
      fc.property(plainName, (name) => {
        const plain = normaliseName(name);
        fc.pre(plain !== null && plain === foldText(name));
        const { first, middle, last } = parseFullName(name);
        expect(normaliseName([first, middle, last].filter(Boolean).join(" "))).toBe(plain);
      }),
    );
  });
});

describe("nicknames", () => {
  it.each([
    ["Bob", "Robert"],
    ["robert", "BOB"],
    ["Bill", "William"],
    ["Peggy", "Margaret"],
    ["Liz", "Elizabeth"],
    ["Jon", "John"],
    ["Dick", "Richard"],
    ["Ted", "Edward"],
    ["Sandy", "Alexander"],
    ["K.C.", "Casey"],
  ])("%s and %s are nicknames", (a, b) => {
    expect(areNicknames(a, b)).toBe(true);
  });

  it.each([
    ["Aaron", "Erin", "different sexes"],
    ["Andrew", "Andrea", "different sexes"],
    ["Louis", "Louise", "different sexes"],
    ["Ian", "John", "different established names"],
    ["Emily", "Emma", "different established names"],
    ["Robert", "Bill", "noise in the table"],
    ["Alexander", "Alexandra", "both have the nickname Alex, but are different names"],
    ["Alex", "Sandy", "two nicknames of Alexander, not paired directly"],
    ["Tony", "Ann", "two nicknames of Antoinette"],
    ["Mary", "Jane", "unrelated"],
  ])("%s and %s are not (%s)", (a, b) => {
    expect(areNicknames(a, b)).toBe(false);
  });

  it("is reflexive and symmetric", () => {
    const name = fc.oneof(fc.constantFrom(...tableNames), fc.string());
    fc.assert(
      fc.property(name, name, (a, b) => {
        expect(areNicknames(a, b)).toBe(areNicknames(b, a));
        expect(areNicknames(a, a)).toBe(normaliseName(a) !== null);
      }),
    );
  });

  it("treats blank names as never nicknames", () => {
    expect(areNicknames(null, null)).toBe(false);
    expect(areNicknames("", "bob")).toBe(false);
    expect(areNicknames("Mr.", "Mr.")).toBe(false);
  });

  it("excludes only pairs that are in the table, and every one of them", () => {
    const listed = new Set(tablePairs.map(([a, b]) => `${a}|${b}`));
    for (const [a, b] of untrustedNicknamePairs) {
      expect(listed.has(`${a}|${b}`) || listed.has(`${b}|${a}`), `${a}/${b} in the table`).toBe(
        true,
      );
      expect(areNicknames(a, b), `${a}/${b}`).toBe(false);
    }
  });

  it("reads the table's plain words as their own comparison form, as normaliseName does", () => {
    // The index takes a plain lower-case word as is, without normaliseName (issue 15: building
    // it at the first comparison took ~25 ms, ~9 ms with this shortcut); the two must agree.
    const plain = tableNames.filter((name) => /^[a-z]+$/u.test(name));
    expect(plain.length).toBeGreaterThan(2_000);
    expect(plain.filter((name) => normaliseName(name) !== name)).toEqual([]);
    expect(tableNames.filter((name) => !plain.includes(name))).toEqual(["k.c.", "l.b.", "l.r."]);
    expect(areNicknames("Casey", "K.C.")).toBe(true);
  });

  it("trusts every other pair of the table", () => {
    const untrusted = new Set(untrustedNicknamePairs.map(([a, b]) => [a, b].sort().join("|")));
    const trusted = tablePairs.filter(([a, b]) => !untrusted.has([a, b].sort().join("|")));
    expect(trusted.length).toBeGreaterThan(2_500);
    for (const [a, b] of trusted) expect(areNicknames(a, b), `${a}/${b}`).toBe(true);
  });

  it("groups a nickname under its canonical names, itself last", () => {
    expect(nicknameGroups("Bob")).toContain("robert");
    expect(nicknameGroups("Bob").at(-1)).toBe("bob");
    expect(nicknameGroups("robert")).toEqual(["robert"]);
    expect(nicknameGroups("William")).toEqual(["william"]);
    expect(nicknameGroups("Zebulon")).toEqual(["zebulon"]);
    expect(nicknameGroups("  ")).toEqual([]);
    expect(nicknameGroups("Erin")).not.toContain("aaron");
  });

  it("gives names that are nicknames of each other a shared group (a blocking key)", () => {
    const name = fc.constantFrom(...tableNames);
    fc.assert(
      fc.property(name, name, (a, b) => {
        const shared = nicknameGroups(a).some((group) => nicknameGroups(b).includes(group));
        if (areNicknames(a, b)) expect(shared).toBe(true);
      }),
      { numRuns: 2_000 },
    );
    for (const [a, b] of tablePairs) {
      if (!areNicknames(a, b)) continue;
      expect(nicknameGroups(a).some((group) => nicknameGroups(b).includes(group))).toBe(true);
    }
  });
});

describe("phoneticKey", () => {
  it.each([
    [["Smith", "Smyth"], "SM0"],
    [["Catherine", "Kathryn", "Katherine", "Cathryn"], "K0RN"],
    [["Stephen", "Steven"], "STFN"],
    [["Philip", "Phillip", "Filip"], "FLP"],
    [["Shawn", "Shaun"], "XN"],
    [["Reid", "Reed", "Read"], "RT"],
    [["Knight", "Night"], "NT"],
    [["McDonald", "MacDonald"], "MKTNLT"],
    [["Müller", "Mueller", "Muller"], "MLR"],
    [["O'Neil", "O Neil", "Oneill"], "ANL"],
    [["De la Cruz", "Delacruz", "de-la-cruz"], "TLKRS"],
  ])("codes %j alike as %s", (names, code) => {
    for (const name of names) expect(phoneticKey(name), name).toBe(code);
  });

  it("keeps the P of Thompson, so Thompson and Thomson differ (Double Metaphone as published)", () => {
    expect(phoneticKey("Thompson")).toBe("TMPSN");
    expect(phoneticKey("Thomson")).toBe("TMSN");
  });

  it("is null for a blank name or one without Latin letters", () => {
    for (const name of [null, undefined, "", "  ", "Mr.", "123", "Сергей", "王"]) {
      expect(phoneticKey(name), String(name)).toBeNull();
    }
  });

  it("is the same for names with the same comparison form", () => {
    fc.assert(
      fc.property(plainName, fc.constantFrom(...titles), (name, title) => {
        expect(phoneticKey(`${title} ${name.toUpperCase()}`)).toBe(phoneticKey(name));
      }),
    );
  });
});

describe("nameSimilarity", () => {
  it("scores the classic Jaro-Winkler examples", () => {
    expect(nameSimilarity("Martha", "Marhta")).toBeCloseTo(0.961, 3);
    expect(nameSimilarity("Dixon", "Dicksonx")).toBeCloseTo(0.813, 3);
  });

  it("is 1 for names equal in comparison form, 0 when either is blank", () => {
    expect(nameSimilarity("José O'Neil", "jose oneil")).toBe(1);
    expect(nameSimilarity("Mr. Smith", "SMITH Jr")).toBe(1);
    expect(nameSimilarity("", "Smith")).toBe(0);
    expect(nameSimilarity(null, null)).toBe(0);
  });

  it("is symmetric and between 0 and 1", () => {
    const name = fc.oneof(plainName, fc.string());
    fc.assert(
      fc.property(name, name, (a, b) => {
        const score = nameSimilarity(a, b);
        expect(score).toBe(nameSimilarity(b, a));
        expect(score).toBeGreaterThanOrEqual(0);
        expect(score).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe("withinOneEdit", () => {
  it.each([
    ["mark", "mark"],
    ["mark", "mrak"],
    ["mark", "marx"],
    ["mark", "marks"],
    ["mark", "ark"],
    ["avja", "ava"],
    ["", "a"],
  ])("%s and %s are at most one edit apart", (a, b) => {
    expect(withinOneEdit(a, b)).toBe(true);
    expect(withinOneEdit(b, a)).toBe(true);
  });

  it.each([
    ["mark", "mraks"],
    ["mark", "amrk "],
    ["karen", "aknre"],
    ["paul", "pauline"],
    ["ab", "ba c"],
  ])("%s and %s are not", (a, b) => {
    expect(withinOneEdit(a, b)).toBe(false);
    expect(withinOneEdit(b, a)).toBe(false);
  });

  it("agrees with a plain Damerau-Levenshtein distance of at most one", () => {
    const distance = (a: string, b: string): number => {
      const d = Array.from({ length: a.length + 1 }, (_, i) =>
        Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
      );
      for (let i = 1; i <= a.length; i += 1) {
        for (let j = 1; j <= b.length; j += 1) {
          const row = d[i] as number[];
          const above = d[i - 1] as number[];
          const cost = a[i - 1] === b[j - 1] ? 0 : 1;
          row[j] = Math.min(
            (above[j] as number) + 1,
            (row[j - 1] as number) + 1,
            (above[j - 1] as number) + cost,
          );
          if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
            row[j] = Math.min(row[j] as number, ((d[i - 2] as number[])[j - 2] as number) + 1);
          }
        }
      }
      return (d[a.length] as number[])[b.length] as number;
    };
    const word = fc.string({ unit: fc.constantFrom("a", "b", "c"), maxLength: 6 });
    fc.assert(
      fc.property(word, word, (a, b) => {
        expect(withinOneEdit(a, b)).toBe(distance(a, b) <= 1);
      }),
    );
  });
});

describe("first-name typos", () => {
  it("knows the names of the nickname table, in comparison form", () => {
    expect(isListedGivenName("Robert")).toBe(true);
    expect(isListedGivenName(" PAULA ")).toBe(true);
    expect(isListedGivenName("Rboert")).toBe(false);
    expect(isListedGivenName(null)).toBe(false);
  });

  it.each([
    ["Josehp", "Joseph"],
    ["Mrak", "Mark"],
    ["Akren", "Karen"],
    ["Isabevla", "Isabella"],
    ["ROBRET", "robert"],
  ])("%s for %s is a typing error", (a, b) => {
    expect(isFirstNameTypo(a, b)).toBe(true);
    expect(isFirstNameTypo(b, a)).toBe(true);
  });

  it.each([
    ["Paul", "Paula"],
    ["Eric", "Erica"],
    ["Marie", "Maria"],
    ["Carl", "Carol"],
    ["Louis", "Louise"],
    // Short names: one letter is often another name.
    ["Ana", "Ava"],
    ["Jon", "Jan"],
    // More than one edit.
    ["Michael", "Michelle"],
    ["Christine", "Christopher"],
  ])("%s and %s are two names, not a typo", (a, b) => {
    expect(isFirstNameTypo(a, b)).toBe(false);
    expect(isFirstNameTypo(b, a)).toBe(false);
  });

  it("is never a typo for equal or blank names", () => {
    expect(isFirstNameTypo("Mark", "MARK")).toBe(false);
    expect(isFirstNameTypo(null, "Mark")).toBe(false);
    expect(isFirstNameTypo("", "")).toBe(false);
  });
});

describe("surname typos", () => {
  it.each([
    ["Ryan", "Rysn"],
    ["King", "Kisg"],
    ["Welller", "Weller"],
    ["Bishop", "Bisohp"],
  ])("%s and %s are one typing error apart", (a, b) => {
    expect(isSurnameTypo(a, b)).toBe(true);
    expect(isSurnameTypo(b, a)).toBe(true);
  });

  it.each([
    // Below four letters one edit is another surname.
    ["Ho", "Hu"],
    ["Lee", "Lei"],
    // More than one edit.
    ["Ryan", "Bryant"],
  ])("%s and %s are not", (a, b) => {
    expect(isSurnameTypo(a, b)).toBe(false);
    expect(isSurnameTypo(b, a)).toBe(false);
  });

  it("is never a typo for equal or blank names, and reads comparison forms", () => {
    expect(isSurnameTypo("O'Neil", "oneil")).toBe(false);
    expect(isSurnameTypo(null, "Ryan")).toBe(false);
    expect(isSurnameTypo("O'Neil", "Oneill")).toBe(true);
  });
});

describe("generationOf", () => {
  it("reads a generational suffix after another word of either name", () => {
    expect(generationOf("John", "Smith Jr.")).toBe("jr");
    expect(generationOf("John", "Smith, III")).toBe("iii");
    expect(generationOf("John Sr", null)).toBe("sr");
    expect(generationOf("John", "Smith")).toBeNull();
    // A suffix as the only word is a name people go by.
    expect(generationOf("Junior", "Smith")).toBeNull();
  });
});

describe("mayBeFirstNameTypo and mayBeNicknameTypo", () => {
  it("takes one or two slips (swaps count once) of a name off the list for a typo", () => {
    expect(mayBeFirstNameTypo("Ary", "Amy")).toBe(true);
    expect(mayBeFirstNameTypo("Jmaaj", "Jamal")).toBe(true);
    expect(mayBeFirstNameTypo("Kvnneth", "Kenneth")).toBe(true);
    // Two slips in a four-letter name, or two names on the list, are two names.
    expect(mayBeFirstNameTypo("Ccob", "Jacob")).toBe(false);
    expect(mayBeFirstNameTypo("Paul", "Paula")).toBe(false);
    expect(mayBeFirstNameTypo("Ann", "Ann")).toBe(false);
  });

  it("reads a mistyped nickname, or a nickname of a mistyped name", () => {
    expect(mayBeNicknameTypo("Robfrt", "Bob")).toBe(true);
    expect(mayBeNicknameTypo("Will", "Wiliam")).toBe(true);
    expect(mayBeNicknameTypo("Tina", "Bob")).toBe(false);
  });
});
