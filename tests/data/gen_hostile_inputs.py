#!/usr/bin/env python3
"""Writes hostile_inputs.jsonl: bad input for the commands, one case a line, each with the
exit code the plugin must give (2: input error, nothing sent) and a fragment its error
must contain. tests/cli_hostile.rs runs every case against a sandbox and checks that nothing
was written. Re-run after adding cases: python3 tests/data/gen_hostile_inputs.py"""
import json
import os

cases = []


def case(kind, args, says, code=2, stdin=None):
    cases.append({"kind": kind, "args": args, "exit": code, "says": says, "stdin": stdin})


def email(value, says):
    case("email", ["onboard", value], says)


def profile(value, says):
    case("profile-name", ["onboard", "someone@example.com", f"--profile={value}"], says)


def quantity(value, says):
    case("quantity", ["quota", "set", "team", f"cpu={value}"], says)


def quota_key(value, says):
    case("quota-key", ["quota", "set", "team", f"{value}=1"], says)


def roster(name, text, says):
    case("roster", ["onboard", "--from", "-"], says, stdin=text)


# Emails: structure.
for v in ["", "@", "a@", "@example.com", "a@@example.com", "a@b@example.com", "a@example.com,b@example.com",
          "a@b.", "a@.example.com", "a@example..com", "a@example.com.", "a@.com", "a@-example.com",
          "a@example-.com", "a@exa_mple.com", "mailto:a@example.com", "<a@example.com>",
          "\"quoted\"@example.com", "\"a b\"@example.com", "a@[127.0.0.1]", "a@[IPv6:::1]"]:
    email(v, "error:")
# Emails: every character a local part may not hold.
for c in " \"(),:;<>[\\]" + "".join(chr(i) for i in range(1, 32)) + "\x7f" + "éü中😀\u200b\u202e＠Ωñøß":
    email(f"a{c}b@example.com", "error: email")
# Emails: every character a domain may not hold.
for c in "_ !#$%&'*+/=?^`{|}~\"(),:;<>[\\]éü中":
    email(f"ab@ex{c}ample.com", "error:")
# Emails: shell and YAML metacharacters around a valid address.
for v in ["a@example.com;rm -rf /", "a@example.com$(id)", "a@example.com`id`", "a@example.com|cat",
          "a@example.com&&true", "a@example.com\n", " a@example.com", "a@example.com ",
          "a@example.com\t", "a@example.com\r", "a@example.com: x", "a@example.com#c", "- a@example.com",
          "a@example.com\nb@example.com", "{a: b}@example.com", "[a]@example.com"]:
    email(v, "error:")
# Emails: lengths (local part at most 64, the whole at most 254, a domain label at most 63).
for n in range(65, 71):
    email("x" * n + "@example.com", "characters long")
label = "d" * 63
for extra in range(0, 6):
    domain = ".".join([label] * 3) + "." + "e" * (59 + extra) + ".io"
    email("a@" + domain, "characters long")
for n in (64, 70, 100):
    email("a@" + "d" * n + ".com", "error:")

# Profile names.
for v in ["", "A", "Alice", "alice-Smith", "a.b", "a..b", ".", "a_b", "a b", "a/b", "a:b", "a@b", "a+b",
          "ä", "a\u200bb", "-a", "a-", "-", "--", "a\n", "a\t", " a", "a ", "x" * 64, "x" * 70, "x" * 253]:
    profile(v, "profile name")
for v in ["kube-system", "kube-public", "kube-node-lease", "kube-anything", "kubeflow", "default",
          "istio-system", "istio-ingress", "knative-serving", "knative-eventing", "cert-manager", "auth"]:
    profile(v, "is reserved")
# Profile names that would be YAML syntax if pasted unquoted.
for v in ["a: b", "{a}", "[a]", "*a", "&a", "!a", "%a", "@a", "`a`", "'a'", "\"a\"", "a#b", "~"]:
    profile(v, "profile name")

# Quantities.
for v in ["-1", "-0.5", "1e400", "1KB", "1gi", "1g", "1 ", " 1", "", ".", "1.2.3", "0x10", "1Ki1", "inf",
          "NaN", "1e", "e3", "--1", "+-1", "ten", "1Kib", "1mi", "1MB", "1TiB", "1/2",
          "9223372036854775808", "99999999999999999999999999999Ei", "5%", "1,5", "½", "1_000",
          "1e3e3", "Ki", "m", "1 m", "1\t", "1\n", "١", "1E+", "1e+", "∞", "0b1", "1ki", "1Ki ", "1.5.", "..5"]:
    quantity(v, "quota")
for c in "abcdfghijloqrstvwxyz":
    quantity(f"1{c}", "unknown suffix")
for c in "ABCDFHIJKLNOQRSUVWXYZ":
    quantity(f"1{c}", "unknown suffix")

# Quota keys.
for v in ["CPU", "Memory", "cpu ", " cpu", "a/b/c", "/cpu", "cpu/", "requests..cpu", "requests.", ".cpu",
          "x" * 64, "example.com/", "ex ample.com/gpu", "requests.nvidia.com/GPU!"]:
    quota_key(v, "quota")

# Rosters (CSV on standard input).
for name, text in [
    ("empty", ""),
    ("header only, no rows", "user,profile,role\n"),
    ("unknown column", "user,profile,role,colour\na@example.com,team,view,red\n"),
    ("missing user column", "profile,role\nteam,view\n"),
    ("duplicate column", "user,user,profile,role\na@example.com,b@example.com,team,view\n"),
    ("bad role", "user,profile,role\na@example.com,team,superuser\n"),
    ("bad email", "user,profile,role\nnot-an-email,team,view\n"),
    ("bad profile", "user,profile,role\na@example.com,Team_1,view\n"),
    ("bad quota", "user,profile,role,quota\na@example.com,team,owner,cpu=lots\n"),
    ("quota on a non-owner row", "user,profile,role,quota\na@example.com,team,view,cpu=1\n"),
    ("group as owner", "user,profile,role\ngroup:ml,team,owner\n"),
    ("owner of *", "user,profile,role\na@example.com,*,owner\n"),
    ("NUL in a cell", "user,profile,role\na\x00@example.com,team,view\n"),
    ("unterminated quote", "user,profile,role\n\"a@example.com,team,view\n"),
    ("too many cells", "user,profile,role\na@example.com,team,view,extra\n"),
    ("BOM, then a bad role", "\ufeffuser,profile,role\na@example.com,team,boss\n"),
    ("CRLF, then a bad email", "user,profile,role\r\nnot-an-email,team,view\r\n"),
    ("a quoted cell with a comma", "user,profile,role\n\"a,b@example.com\",team,view\n"),
    ("the same user twice in one profile", "user,profile,role\na@example.com,team,view\na@example.com,team,edit\n"),
    ("the same owner twice", "user,profile,role\na@example.com,team,owner\nb@example.com,team,owner\n"),
    ("a blank user cell", "user,profile,role\n,team,view\n"),
    ("only commas", "user,profile,role\n,,\n"),
    ("limit_range not a boolean", "user,profile,role,limit_range\na@example.com,team,owner,maybe\n"),
    ("YAML: not a list", "---\nuser: a@example.com\nprofile: team\nrole: view\n"),
    ("YAML: a list where a string goes", "- user: [a@example.com]\n  profile: team\n  role: view\n"),
    ("YAML: a mapping where a string goes", "- user: {name: a@example.com}\n  profile: team\n  role: view\n"),
    ("YAML: a number as role", "- user: a@example.com\n  profile: team\n  role: 5\n"),
    ("YAML: an unknown key", "- user: a@example.com\n  profile: team\n  role: view\n  colour: red\n"),
    ("YAML: a misspelt key", "- user: a@example.com\n  profiel: team\n  role: view\n"),
    ("YAML: tab indentation", "- user: a@example.com\n\tprofile: team\n  role: view\n"),
    ("YAML: unclosed quote", "- user: \"a@example.com\n  profile: team\n  role: view\n"),
    ("YAML: the same user twice", "- {user: a@example.com, profile: team, role: view}\n- {user: a@example.com, profile: team, role: admin}\n"),
    ("YAML: duplicate keys", "- user: a@example.com\n  user: b@example.com\n  profile: team\n  role: view\n"),
    ("YAML: limit_range a list", "- user: a@example.com\n  profile: team\n  role: owner\n  limit_range: [yes]\n"),
    ("YAML: alias bomb", "- user: &a a@example.com\n  profile: team\n  role: view\n  x: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n  y: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n  z: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n  w: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n  v: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n  u: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n  t: [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"),
    ("YAML: an alias as a whole row list", "- &r {user: a@example.com, profile: team, role: boss}\n- *r\n"),
    ("YAML: deep nesting", "- user: " + "[" * 2000 + "]" * 2000 + "\n"),
]:
    roster(name, text, "error")

# YAML edited in $EDITOR (the TUI's E): each edit of the Profile below must be refused with
# the phrase given, and nothing staged. `stdin` holds the edited file.
BASE = """apiVersion: kubeflow.org/v1
kind: Profile
metadata:
  creationTimestamp: "2026-01-01T00:00:00Z"
  generation: 1
  name: team
  resourceVersion: "42"
  uid: 6b1d7c1e-0000-4000-8000-000000000001
spec:
  owner:
    kind: User
    name: ana@example.com
  resourceQuotaSpec:
    hard:
      cpu: "4"
"""


def editor(name, text, says):
    case("editor", [name], says, stdin=text)


for name, text, says in [
    ("not YAML: unclosed quote", BASE.replace('cpu: "4"', 'cpu: "4'), "not valid YAML"),
    ("not YAML: tab indentation", BASE.replace("  owner:", "\towner:"), "not valid YAML"),
    ("not YAML: bad mapping", BASE + "spec: : :\n", "not valid YAML"),
    ("two documents", BASE + "---\n" + BASE, "not valid YAML"),
    ("a list", "- " + BASE.replace("\n", "\n  "), "one object"),
    ("a scalar", "just text\n", "one object"),
    ("empty", "", "one object"),
    ("only a comment", "# nothing\n", "one object"),
    ("kind changed", BASE.replace("kind: Profile", "kind: Namespace"), "kind was changed"),
    ("kind removed", BASE.replace("kind: Profile\n", ""), "kind was changed"),
    ("apiVersion changed", BASE.replace("kubeflow.org/v1", "kubeflow.org/v1beta1"), "apiVersion was changed"),
    ("name changed", BASE.replace("name: team", "name: team2"), "metadata.name was changed"),
    ("name removed", BASE.replace("  name: team\n", ""), "metadata.name was changed"),
    ("name made a number", BASE.replace("name: team", "name: 7"), "metadata.name was changed"),
    ("namespace added", BASE.replace("  name: team\n", "  name: team\n  namespace: kubeflow\n"), "metadata.namespace was changed"),
    ("resourceVersion edited", BASE.replace('"42"', '"43"'), "resourceVersion"),
    ("resourceVersion removed", BASE.replace('  resourceVersion: "42"\n', ""), "resourceVersion"),
    ("uid edited", BASE.replace("000000000001", "000000000002"), "uid"),
    ("creationTimestamp edited", BASE.replace("2026-01-01", "2025-01-01"), "creationTimestamp"),
    ("generation edited", BASE.replace("generation: 1", "generation: 9"), "generation"),
    ("deletionTimestamp added", BASE.replace("  generation: 1\n", "  generation: 1\n  deletionTimestamp: \"2026-02-01T00:00:00Z\"\n"), "deletionTimestamp"),
    ("selfLink added", BASE.replace("  generation: 1\n", "  generation: 1\n  selfLink: /x\n"), "selfLink"),
    ("alias bomb", BASE + "x: &a [1,1,1,1,1,1,1,1,1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nw: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nv: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nu: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\nt: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\ns: [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n", "not valid YAML"),
    ("deep nesting", BASE + "x: " + "[" * 5000 + "]" * 5000 + "\n", "not valid YAML"),
    ("NUL byte", BASE.replace("ana@", "a\x00na@"), "not valid YAML"),
]:
    editor(name, text, says)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile_inputs.jsonl")
with open(path, "w", encoding="utf-8") as f:
    for c in cases:
        f.write(json.dumps(c, ensure_ascii=False) + "\n")
print(f"{len(cases)} cases -> {path}")
