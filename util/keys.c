/*
 * keys.c - matching option names against the key tables of vfekeys.h and checking values.
 *
 * Values are checked the way PETSc will read them: int and real keys must parse completely as one
 * finite number (PetscOptionsGetReal would otherwise stop with a message that does not name the
 * key), bool keys take PETSc's spellings, string keys with choices one of them.  Checks that need
 * more than one key or the mesh stay with the component that reads the key.
 */
#include "vfekeys.h"
#include <errno.h>
#include "vferegion.h"
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* placeholder match: <LVL> one level name, <...> one or more [A-Za-z0-9_] (shortest first) */
static PetscBool Match(const char *p, const char *s)
{
  if (!*p) return *s ? PETSC_FALSE : PETSC_TRUE;
  if (*p == '<') {
    const char *close = strchr(p, '>');
    if (!close) return PETSC_FALSE;
    if (!strncmp(p, "<LVL>", 5)) {
      for (PetscInt i = 0; i < VFE_NLEVELS; ++i) {
        size_t n = strlen(VfeLevelNames[i]);
        if (!strncmp(s, VfeLevelNames[i], n) && Match(close + 1, s + n)) return PETSC_TRUE;
      }
      return PETSC_FALSE;
    }
    for (const char *e = s; *e && (isalnum((unsigned char)*e) || *e == '_'); ++e)
      if (Match(close + 1, e + 1)) return PETSC_TRUE;
    return PETSC_FALSE;
  }
  return *p == *s ? Match(p + 1, s + 1) : PETSC_FALSE;
}

PetscBool VfeKeyMatch(const char *pattern, const char *name)
{
  if (!pattern || !name) return PETSC_FALSE;
  return Match(pattern, name);
}

const VfeKey *VfeKeyFind(const VfeKeyTable *t, const char *name)
{
  for (PetscInt i = 0; i < t->n; ++i)
    if (VfeKeyMatch(t->keys[i].name, name)) return &t->keys[i];
  return NULL;
}

static void Num(char *buf, size_t len, PetscReal v)
{
  if (isinf((double)v))
    snprintf(buf, len, "%sinf", v < 0 ? "-" : "");
  else
    snprintf(buf, len, "%g", (double)v);
}

PetscErrorCode VfeKeyAllowed(const VfeKey *k, char *buf, size_t len)
{
  char lo[32], hi[32];

  PetscFunctionBeginUser;
  Num(lo, sizeof lo, k->range & VFE_KEY_MIN ? k->min : -INFINITY);
  Num(hi, sizeof hi, k->range & VFE_KEY_MAX ? k->max : INFINITY);
  switch (k->type) {
  case VFE_KEY_INT:
  case VFE_KEY_REAL:
    if (k->range)
      PetscCall(PetscSNPrintf(buf, len, "%s in %s%s, %s%s", k->type == VFE_KEY_INT ? "an integer" : "a number",
                              (k->range & VFE_KEY_MIN) && !(k->range & VFE_KEY_MIN_OPEN) ? "[" : "(", lo, hi,
                              (k->range & VFE_KEY_MAX) && !(k->range & VFE_KEY_MAX_OPEN) ? "]" : ")"));
    else
      PetscCall(PetscStrncpy(buf, k->type == VFE_KEY_INT ? "an integer" : "a finite number", len));
    break;
  case VFE_KEY_BOOL:
    PetscCall(PetscStrncpy(buf, "true or false", len));
    break;
  case VFE_KEY_LIST:
    PetscCall(PetscStrncpy(buf, "a comma-separated list", len));
    break;
  default:
    if (k->choices) {
      size_t o = 0;
      for (const char *c = k->choices; *c && o + 3 < len; ++c) {
        if (*c == '|')
          buf[o++] = ',', buf[o++] = ' ';
        else
          buf[o++] = *c;
      }
      buf[o] = 0;
    } else
      PetscCall(PetscStrncpy(buf, "text", len));
  }
  PetscFunctionReturn(0);
}

static PetscBool InChoices(const char *choices, const char *v)
{
  size_t n = strlen(v);
  for (const char *c = choices; c && *c;) {
    const char *bar = strchr(c, '|');
    size_t m        = bar ? (size_t)(bar - c) : strlen(c);
    if (m == n && !strncmp(c, v, n)) return PETSC_TRUE;
    c = bar ? bar + 1 : NULL;
  }
  return PETSC_FALSE;
}

PetscErrorCode VfeKeyCheckValue(const VfeKey *k, const char *name, const char *value)
{
  char allowed[256];
  const char *v = value ? value : "";
  PetscBool ok  = PETSC_TRUE;

  PetscFunctionBeginUser;
  switch (k->type) {
  case VFE_KEY_INT:
  case VFE_KEY_REAL: {
    char *end;
    double x;
    errno = 0;
    if (k->type == VFE_KEY_INT) {
      long l = strtol(v, &end, 10);
      x      = (double)l;
      if (l < PETSC_MIN_INT || l > PETSC_MAX_INT) errno = ERANGE;
    } else
      x = strtod(v, &end);
    while (*end == ' ') ++end;
    ok = v[0] && !*end && isfinite(x) && errno != ERANGE ? PETSC_TRUE : PETSC_FALSE;
    if (ok && (k->range & VFE_KEY_MIN)) ok = (k->range & VFE_KEY_MIN_OPEN) ? x > k->min : x >= k->min;
    if (ok && (k->range & VFE_KEY_MAX)) ok = (k->range & VFE_KEY_MAX_OPEN) ? x < k->max : x <= k->max;
    break;
  }
  case VFE_KEY_BOOL: {
    static const char *const spell[] = {"", "true", "false", "yes", "no", "1", "0", "on", "off"};
    ok                               = PETSC_FALSE;
    for (size_t i = 0; i < sizeof spell / sizeof spell[0] && !ok; ++i) {
      PetscBool eq;
      PetscCall(PetscStrcasecmp(v, spell[i], &eq));
      ok = eq;
    }
    break;
  }
  case VFE_KEY_STRING:
    ok = !k->choices || InChoices(k->choices, v) ? PETSC_TRUE : PETSC_FALSE;
    break;
  default:
    break;
  }
  if (!ok) {
    PetscCall(VfeKeyAllowed(k, allowed, sizeof allowed));
    PetscCheck(k->type != VFE_KEY_STRING, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s: unknown value '%s' (allowed: %s)",
               name, v, allowed);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s = %s is not allowed: %s must be %s%s%s", name,
            value ? value : "(no value)", name, allowed, k->unit && k->unit[0] ? " " : "", k->unit ? k->unit : "");
  }
  PetscFunctionReturn(0);
}

/* -name's value, checked against its key in t; *value NULL when given without one */
static PetscErrorCode VfeKeyGetChecked(const VfeKeyTable *t, const char *name, const char **value, PetscBool *has)
{
  char opt[256];
  const VfeKey *k = VfeKeyFind(t, name);

  PetscFunctionBeginUser;
  PetscCheck(k, PETSC_COMM_SELF, PETSC_ERR_PLIB, "key '%s' is not declared in the %s key table", name, t->component);
  PetscCall(PetscSNPrintf(opt, sizeof opt, "-%s", name));
  PetscCall(PetscOptionsFindPair(NULL, NULL, opt, value, has));
  if (*has && !(k->type == VFE_KEY_BOOL && !*value)) PetscCall(VfeKeyCheckValue(k, name, *value));
  PetscFunctionReturn(0);
}

PetscErrorCode VfeKeyGetReal(const VfeKeyTable *t, const char *name, PetscReal *v, PetscBool *set)
{
  const char *value;
  PetscBool has;

  PetscFunctionBeginUser;
  PetscCall(VfeKeyGetChecked(t, name, &value, &has));
  if (has) *v = (PetscReal)strtod(value, NULL);
  if (set) *set = has;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeKeyGetInt(const VfeKeyTable *t, const char *name, PetscInt *v, PetscBool *set)
{
  const char *value;
  PetscBool has;

  PetscFunctionBeginUser;
  PetscCall(VfeKeyGetChecked(t, name, &value, &has));
  if (has) *v = (PetscInt)strtol(value, NULL, 10);
  if (set) *set = has;
  PetscFunctionReturn(0);
}

PetscErrorCode VfeKeyGetBool(const VfeKeyTable *t, const char *name, PetscBool *v, PetscBool *set)
{
  const char *value;
  PetscBool has;

  PetscFunctionBeginUser;
  PetscCall(VfeKeyGetChecked(t, name, &value, &has));
  if (has) {
    PetscBool f = PETSC_FALSE;
    if (value) {
      static const char *const no[] = {"false", "no", "0", "off"};
      for (size_t i = 0; i < sizeof no / sizeof no[0] && !f; ++i) PetscCall(PetscStrcasecmp(value, no[i], &f));
      PetscCheck(value[0], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s has an empty value: allowed true or false", name);
    }
    *v = f ? PETSC_FALSE : PETSC_TRUE;
  }
  if (set) *set = has;
  PetscFunctionReturn(0);
}
