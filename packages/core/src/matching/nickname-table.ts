/**
 * A compact table of common English given-name variants. Each line is one group: the formal name
 * first, then its nicknames and short forms. A name may sit in several groups (e.g. `chris`), so
 * lookups return every group id and two names are equivalent when they share one.
 */
const NICKNAME_GROUPS: readonly string[] = [
  'abigail abby abbie gail',
  'abraham abe bram',
  'albert al bert bertie',
  'alexander alex alec alexis sandy xander lex',
  'alexandra alex alexa sandra sandy lexi',
  'alfred alf alfie fred',
  'andrew andy drew',
  'anthony tony ant',
  'arthur art artie',
  'barbara barb babs barbie',
  'benjamin ben benny benji',
  'bernard bernie',
  'catherine cathy kate katie kath kathy cat kitty',
  'katherine kathy kate katie kath kat kitty',
  'charles charlie chuck chas chaz',
  'charlotte charlie lottie lotte',
  'christopher chris kit topher',
  'christine chris chrissy tina',
  'christina chris chrissy tina',
  'daniel dan danny',
  'david dave davey davy',
  'deborah deb debbie debby',
  'donald don donnie',
  'dorothy dot dotty dottie',
  'douglas doug',
  'edward ed eddie ted teddy ned',
  'edmund ed eddie ned',
  'eleanor ellie nell nora',
  'elizabeth liz lizzie beth betty betsy eliza elsie libby bess lisa',
  'emily em emmy millie',
  'frances fran frankie fanny',
  'francis frank frankie fran',
  'frederick fred freddie freddy fritz',
  'gabriel gabe gabby',
  'gerald gerry jerry',
  'gregory greg',
  'harold harry hal',
  'henry harry hank hal',
  'isabella izzy bella isabel',
  'isabel izzy bella',
  'jacob jake jack',
  'james jim jimmy jamie',
  'jennifer jen jenny jenn',
  'jessica jess jessie',
  'john jack johnny jon',
  'jonathan jon jonny nathan',
  'joseph joe joey jo',
  'josephine jo josie',
  'joshua josh',
  'judith judy jude',
  'kenneth ken kenny',
  'lawrence larry laurie',
  'leonard len lenny leo',
  'louis lou louie',
  'margaret maggie meg peggy marge madge greta daisy',
  'matthew matt matty',
  'michael mike mick micky mikey',
  'nathaniel nat nate nathan',
  'nicholas nick nicky nico',
  'nicola nicky nikki',
  'oliver ollie',
  'patricia pat patty trish tricia',
  'patrick pat paddy',
  'peter pete',
  'philip phil pip',
  'phillip phil',
  'rebecca becky becca',
  'richard rick ricky dick rich richie',
  'robert bob bobby rob robbie bert',
  'ronald ron ronnie',
  'samantha sam sammy',
  'samuel sam sammy',
  'stephen steve stevie',
  'steven steve stevie',
  'susan sue susie suzy',
  'thomas tom tommy thom',
  'timothy tim timmy',
  'victoria vicky tori',
  'vincent vince vinny',
  'walter walt wally',
  'william will bill billy willy liam',
  'zachary zach zack',
];

let index: Map<string, number[]> | undefined;

function nicknameIndex(): Map<string, number[]> {
  if (index !== undefined) return index;
  const built = new Map<string, number[]>();
  NICKNAME_GROUPS.forEach((line, group) => {
    for (const name of line.split(' ')) {
      const list = built.get(name);
      if (list === undefined) built.set(name, [group]);
      else if (!list.includes(group)) list.push(group);
    }
  });
  index = built;
  return built;
}

/** The nickname groups a (lower-case) given name belongs to; empty when it is in none. */
export function nicknameGroups(name: string): readonly number[] {
  return nicknameIndex().get(name) ?? [];
}

/** True when two lower-case given names are variants of one another (`bob` ~ `robert`). */
export function areNicknames(a: string, b: string): boolean {
  if (a === b) return true;
  const ga = nicknameIndex().get(a);
  if (ga === undefined) return false;
  const gb = nicknameIndex().get(b);
  if (gb === undefined) return false;
  for (const g of ga) if (gb.includes(g)) return true;
  return false;
}

/** The formal name of the first group a given name belongs to, or the name itself (a blocking key). */
export function canonicalGivenName(name: string): string {
  const groups = nicknameIndex().get(name);
  const first = groups?.[0];
  if (first === undefined) return name;
  return (NICKNAME_GROUPS[first] ?? name).split(' ')[0] ?? name;
}

/** Every other name sharing a group with this one (`robert` → `bob`, `bobby`, `rob`, …), sorted. */
export function nicknameVariants(name: string): readonly string[] {
  const out = new Set<string>();
  for (const g of nicknameIndex().get(name) ?? []) for (const v of (NICKNAME_GROUPS[g] ?? '').split(' ')) if (v !== name) out.add(v);
  return [...out].sort();
}
