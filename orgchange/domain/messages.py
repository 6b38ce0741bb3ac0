"""The catalogue of messages: every code the register answers with, in Swedish and in English.

An error carries a `Text`: a key of `MESSAGES` and its named parameters, not words. It
is put into words where it leaves the register (docs/errors.md#languages): the HTTP
service in the language of the request's `Accept-Language`, the command line in that of
`ORGCHANGE_LANGUAGE`, Swedish unless English is asked for. Both edges set the language
of what they are doing (`speaking`); `str(text)` renders in it.

`CODES` holds every public code (docs/errors.md lists them) and what it means.
`MESSAGES` holds the sentences: a key is a code, or a code, a colon and what in
particular went wrong (`in-effect:unit`); each sentence has the same named
parameters (`{key}`, `{day}`) in both languages. A parameter may be a `Text` itself
(the change a sentence is about), rendered in the same language.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

SWEDISH = "sv"
ENGLISH = "en"
LANGUAGES = (SWEDISH, ENGLISH)
DEFAULT_LANGUAGE = SWEDISH


@dataclass(frozen=True)
class Template:
    """One sentence (or name) in both languages, with `{named}` parameters."""

    sv: str
    en: str

    def in_language(self, language: str) -> str:
        return self.en if language == ENGLISH else self.sv


T = Template

# --- every public code, and what it means --------------------------------------------
# The rules of docs/domain.md (a refused change names its rule) ...
RULES: dict[str, Template] = {
    "unique-key": T(
        "en nyckel namnger redan något, eller har gjort det", "a key already names something, or did"
    ),
    "one-parent": T(
        "en enhet utan sin enda överordnade, eller ett bolag utan sin enda ägare",
        "a unit without its one parent, or a company without its one owner",
    ),
    "hierarchy": T(
        "en enhet som skulle överleva det den står under, en cirkel, ett utskott som inte hör till en nämnd",
        "a unit that would outlive what it stands under, a cycle, a committee not under a board",
    ),
    "active-children": T(
        "en enhet med aktiva underenheter avvecklas, eller en delning fördelar inte "
        "varje underenhet och befattning",
        "a dissolution of a unit with active children; a split that does not map every child and post",
    ),
    "cardinality": T(
        "en sammanslagning av färre än två enheter, eller en delning i färre än två",
        "a merge of fewer than two units, a split into fewer than two",
    ),
    "in-effect": T(
        "en enhet, befattning eller delegation som inte gäller på ändringens dag",
        "a unit, post or delegation not in effect on the change's day",
    ),
    "delegation": T("en delegation som lagen inte tillåter", "a delegation the law does not allow"),
    "retroactive-consistency": T(
        "en ändring daterad före andra som den skulle göra ogiltiga",
        "a change dated before others that it would break",
    ),
    "competence": T("beslutsfattaren får inte besluta ändringen", "the decider may not make this change"),
    "no-change": T("ändringen ändrar ingenting", "the change changes nothing"),
    "idempotency": T(
        "ett id som redan registrerats med annat innehåll", "an id already recorded with other content"
    ),
    "cancellation": T(
        "ingen sådan ändring, redan makulerad, eller en ändring som inte kan makuleras",
        "no such change, already cancelled, or not one that can be cancelled",
    ),
    "correction": T(
        "ingen sådan ändring att rätta, redan makulerad, eller en ändring som inte kan rättas; "
        "en ersättning vars id använts förut",
        "a correction of no such change, of one already cancelled or of one that cannot be corrected; "
        "a replacement whose id was used before",
    ),
    "reporting": T(
        "en anmälan av ändringar som inte registrerats, makulerats eller redan anmälts; "
        "en notering utan anmälan",
        "a report of changes not recorded, cancelled or already reported; a noting without a report",
    ),
    "malformed-input": T(
        "inte en ändringsfil: inte YAML eller JSON, okänd typ, ett saknat eller felaktigt fält",
        "not a change file: not YAML or JSON, an unknown type, a missing or ill-typed field",
    ),
}
# ... and the codes of everything else a caller can get wrong (HTTP, GraphQL, the command line).
REQUEST_CODES: dict[str, Template] = {
    "YAML_TOO_MANY_NODES": T(
        "filen har fler YAML-noder än den får ha", "the file has more YAML nodes than allowed"
    ),
    "TOO_MANY_CHANGES": T(
        "filen har fler ändringar än en begäran får ha", "the file has more changes than allowed"
    ),
    "DIAGRAM_TOO_LARGE": T("diagrammet skulle få för många enheter", "the diagram would hold too many units"),
    "DIAGRAM_NOT_DRAWN": T("Graphviz gav ingen bild", "Graphviz gave no picture"),
    "DIAGRAM_TIMED_OUT": T("Graphviz blev inte klart i tid", "Graphviz did not finish in time"),
    "DIAGRAM_FAILED": T("Graphviz gav upp", "Graphviz gave up"),
    "DIAGRAM_BUSY": T("alla turer att rita är upptagna", "every turn to draw is taken"),
    "PDF_BUSY": T("alla turer att skriva ut PDF är upptagna", "every turn to print a PDF is taken"),
    "PDF_UNAVAILABLE": T(
        "det finns ingen webbläsare som kan skriva ut PDF här", "no browser here can print a PDF"
    ),
    "GRAPHVIZ_MISSING": T("Graphviz är inte installerat här", "Graphviz is not installed here"),
    "REVIEW_BUSY": T(
        "alla turer att bygga granskningsunderlag är upptagna", "every turn to build a review pack is taken"
    ),
    "EXPORT_BUSY": T(
        "alla turer att exportera öppna data är upptagna", "every turn to export open data is taken"
    ),
    "HEADERS_TOO_LARGE": T("begärans rubriker är för stora", "the request headers are too large"),
    "REQUEST_TIMEOUT": T("begäran kom inte fram i tid", "the request did not arrive in time"),
    "BAD_HTTP_REQUEST": T("begäran är inte HTTP", "the request is not HTTP"),
    "INVALID_PARAMETER": T("en parameter saknas eller är felaktig", "a parameter is missing or malformed"),
    "UNAUTHENTICATED": T("ingen giltig token", "no valid token"),
    "FORBIDDEN": T("tokenens roll får inte detta", "the token's role may not do this"),
    "DATABASE_UNAVAILABLE": T("databasen kan inte användas", "the database cannot be used"),
    "CONCURRENT_WRITE": T("andra skrivare höll registret upptaget", "other writers kept the register busy"),
    "BAD_USER_INPUT": T("ett argument är felaktigt", "an argument is wrong"),
    "MALFORMED_INPUT": T("ändringsfilen är inte en ändringsfil", "the change file is not a change file"),
    "CHANGE_REJECTED": T("en ändring bröt mot en regel", "a change broke a rule"),
    "GRAPHQL_PARSE_FAILED": T("dokumentet är inte GraphQL", "the document is not GraphQL"),
    "QUERY_TOO_DEEP": T("frågan är för djup", "the query is too deep"),
    "TOO_MANY_ALIASES": T("frågan har för många alias", "the query has too many aliases"),
    "TOO_MANY_TOKENS": T("dokumentet har för många token", "the document has too many tokens"),
    "QUERY_TOO_COSTLY": T("frågan kostar för mycket", "the query costs too much"),
    "RESULT_TOO_LARGE": T("svaret skulle bli för stort", "the answer would be too large"),
    "REQUEST_TOO_LARGE": T("begäran är för stor", "the request is too large"),
    "DOCUMENT_TOO_LARGE": T("dokumentet är för stort", "the document is too large"),
    "VARIABLES_TOO_DEEP": T("variablerna är för djupt nästlade", "the variables are nested too deep"),
    "BAD_REQUEST_BODY": T("kroppen är inte ett JSON-objekt", "the body is not one JSON object"),
    "UNSUPPORTED_MEDIA_TYPE": T("kroppen har fel medietyp", "the body has the wrong media type"),
    "OPERATION_NOT_CHOSEN": T("ingen operation är vald", "no operation is chosen"),
    "TOO_MANY_FIELDS": T("dokumentet väljer för många fält", "the document selects too many fields"),
    "INVALID_SETTING": T("en inställning har ett ogiltigt värde", "a setting has an invalid value"),
    # Sessions, metrics and health.
    "CSRF_REFUSED": T(
        "en ändring med sessionskakan utan sessionens X-CSRF-Token, eller från en annan webbplats",
        "a write resting on the session cookie without the session's X-CSRF-Token, or from another site",
    ),
    "SIGN_IN_REFUSED": T(
        "ingen giltig, aktiv token, eller en roll från proxyn som registret inte känner",
        "no valid, active token, or a role from the proxy the register does not know",
    ),
    "SIGN_IN_MALFORMED": T(
        "kroppen är inte ett JSON-objekt med en token", "the body is not a JSON object with a token"
    ),
    "SIGN_IN_LIMITED": T(
        "för många misslyckade inloggningar från adressen", "too many failed sign-ins from the address"
    ),
    "METRICS_UNAUTHENTICATED": T(
        "mätvärdena kräver serverns token för mätvärden", "the metrics need the server's metrics token"
    ),
    "READ_MODELS_BEHIND": T(
        "läsmodellerna speglar inte varje händelse än", "the read models do not reflect every event yet"
    ),
    "REGISTER_LOADING": T(
        "registret läses in sedan servern startade", "the register is being read in since the server started"
    ),
    # Versions of the database.
    "DATABASE_NEEDS_MIGRATION": T(
        "databasen är skriven av en tidigare version och behöver uppgraderas",
        "the database was written by an earlier version and needs to be upgraded",
    ),
    "DATABASE_TOO_NEW": T(
        "databasen skrevs av en nyare version", "the database was written by a newer version"
    ),
    # Drafts.
    "DRAFT_NOT_FOUND": T("inget utkast har det id:t", "no draft has the id"),
    "DRAFT_CHANGED": T(
        "utkastet har sparats av någon annan sedan versionen ändringen gjordes i",
        "the draft was saved by someone else after the revision the save was made from",
    ),
    "DRAFT_REVISION_REQUIRED": T("If-Match saknas", "If-Match is missing"),
    "DRAFT_CLOSED": T(
        "utkastet är registrerat eller kastat och kan inte ändras",
        "the draft was recorded or discarded and cannot be changed",
    ),
    "DRAFT_CONFLICT": T(
        "utkastet stämmer inte längre med ändringar registrerade efter att det sparades",
        "the draft no longer fits changes recorded after it was saved",
    ),
    "DRAFT_DECISION_MISSING": T(
        "en ändring i utkastet saknar beslutande organ eller beslutsdag",
        "a change of the draft lacks its deciding body or its day",
    ),
    "DRAFT_INVALID": T(
        "ett namn eller en fil som ett utkast inte kan hålla", "a name or a file a draft cannot hold"
    ),
    "DRAFT_NOT_PREVIEWED": T(
        "utkastet klarar inte sin kontroll, så det finns inget schema före och efter att visa",
        "the draft does not pass its check, so there is no chart before and after to show",
    ),
    "DRAFT_LIMIT": T(
        "registratorn har redan så många öppna utkast som tillåts",
        "the registrar already keeps as many open drafts as allowed",
    ),
    "DRAFT_TOO_LARGE": T(
        "utkastet har för många ändringar eller byte", "the draft has too many changes or bytes"
    ),
    # Backup and restore.
    "BACKUP_FILE_EXISTS": T("säkerhetskopians fil finns redan", "the backup's file exists already"),
    "BACKUP_FILE_UNWRITABLE": T(
        "säkerhetskopians katalog finns inte", "the backup's directory does not exist"
    ),
    "BACKUP_NOT_FOUND": T("filen som ska återställas finns inte", "the file to restore does not exist"),
    "NOT_A_BACKUP": T("filen är ingen säkerhetskopia av ett register", "the file is no backup of a register"),
    "BACKUP_WRONG_KIND": T(
        "en säkerhetskopia av det andra slaget av databas", "a backup of the other kind of database"
    ),
    "RESTORE_TARGET_NOT_EMPTY": T(
        "databasen att återställa i är inte tom", "the database to restore into is not empty"
    ),
    "RESTORE_TARGET_NOT_A_DATABASE": T(
        "filen att återställa i är ingen databas", "the file to restore into is no database"
    ),
    "DATABASE_NOT_FOUND": T(
        "databasfilen, eller katalogen att återställa i, finns inte",
        "the database file, or the directory to restore into, does not exist",
    ),
    "DATABASE_NOT_A_REGISTER": T(
        "databasen att säkerhetskopiera håller inget register",
        "the database to back up holds no register",
    ),
    "PG_TOOLS_MISSING": T(
        "pg_dump eller pg_restore är inte installerat", "pg_dump or pg_restore is not installed"
    ),
    "PG_DUMP_VERSION_MISMATCH": T(
        "pg_dump är äldre än PostgreSQL-servern", "pg_dump is older than the PostgreSQL server"
    ),
    "BACKUP_FAILED": T("pg_dump misslyckades", "pg_dump failed"),
    "RESTORE_FAILED": T("återställningen misslyckades", "the restore failed"),
    # GraphQL documents graphql-core refuses, requests strawberry refuses, HTTP routing, usage.
    "GRAPHQL_VALIDATION_FAILED": T(
        "dokumentet stämmer inte med schemat: ett okänt fält, argument eller typ, ett värde av fel typ",
        "the document does not fit the schema: an unknown field, argument or type, a value of the wrong type",
    ),
    "GRAPHQL_REQUEST_INVALID": T(
        "begäran håller ingen GraphQL-fråga som kan köras, eller en ändring som begärts med GET",
        "the request holds no GraphQL query that can be run, or a mutation asked for with GET",
    ),
    "INTERNAL_ERROR": T("ett fel i servern; det är loggat", "an error of the server; it has been logged"),
    "NOT_FOUND": T(
        "adressen, eller det den frågar efter, finns inte", "the address, or what it asks for, does not exist"
    ),
    "METHOD_NOT_ALLOWED": T("adressen tar inte emot metoden", "the address does not take the method"),
    "USAGE_ERROR": T(
        "kommandoraden är fel: ett okänt kommando eller en okänd flagga, ett saknat eller felaktigt argument",
        "the command line is wrong: an unknown command or option, a missing or invalid argument",
    ),
    # Delegated decisions (docs/decisions.md).
    "DECISIONS_MALFORMED": T(
        "beslutsfilen eller ett beslut i den går inte att läsa",
        "the decisions file or a decision in it cannot be read",
    ),
    "DECISIONS_EXPORT": T("besluten ryms inte i en fil", "the decisions do not fit in one file"),
    "PERSONAL_DATA": T(
        "ett personnummer eller samordningsnummer i ett fält",
        "a personal identity or co-ordination number in a field",
    ),
    "DECISION_CONFLICT": T(
        "ett besluts id är redan registrerat med annat innehåll",
        "a decision's id was recorded before with other content",
    ),
    "DECISION_REPORT_REFUSED": T(
        "beslut som inte kan anmälas, eller en anmälan som inte kan antecknas",
        "decisions that cannot be reported, or a report that cannot be noted",
    ),
    # Spreadsheets (orgchange/application/tables.py) and baselines (orgchange/application/baseline.py).
    "TABLE_UNREADABLE": T(
        "tabellen kan inte läsas som CSV (UTF-8) eller XLSX",
        "the table cannot be read as CSV (UTF-8) or XLSX",
    ),
    "TABLE_TOO_LARGE": T(
        "tabellen är större än den får vara (byte, rader, kolumner, en cell)",
        "the table is larger than allowed (bytes, rows, columns, a cell)",
    ),
    "TABLE_HEADER": T(
        "tabellen har ingen rubrikrad, eller en rubrik förekommer två gånger",
        "the table has no header row, or a header appears twice",
    ),
    "TABLE_MISSING_COLUMN": T(
        "en kolumn som behövs finns inte i tabellen", "a column that is needed is not in the table"
    ),
    "TABLE_VALUE": T(
        "ett värde i tabellen saknas eller kan inte användas", "a value of the table is missing or unusable"
    ),
    "TABLE_REFERENCE": T(
        "en rad nämner en enhet som varken tabellen eller registret har, eller en cirkel; "
        "eller en nämnd som inte finns",
        "a row names a unit that neither the table nor the register holds, or a cycle; or a board that "
        "does not exist",
    ),
    "MAPPING_INVALID": T(
        "kolumnmappningen är inte en giltig mappning", "the column mapping is not a valid mapping"
    ),
    "DELEGATES_UNMATCHED": T(
        "en delegats titel motsvarar ingen befattning, eller flera",
        "a delegate's title matches no post, or several",
    ),
}
CODES: dict[str, Template] = {**RULES, **REQUEST_CODES}

# --- the sentences ---------------------------------------------------------------------
MESSAGES: dict[str, Template] = {
    # A refused change, named by its place in the file, its id and its type.
    "CHANGE_REJECTED": T(
        "ändring nr {index}{ident} {type}: {reason}", "change #{index}{ident} {type}: {reason}"
    ),
    "CHANGE_REJECTED:nothing-recorded": T("Ingenting registrerades.", "Nothing was recorded."),
    # What a refused change would have done (the start of its reason).
    "CHANGE_REJECTED:establish": T(
        "enheten '{unit}' kan inte inrättas", "unit '{unit}' cannot be established"
    ),
    "CHANGE_REJECTED:rename": T("enheten '{unit}' kan inte byta namn", "unit '{unit}' cannot be renamed"),
    "CHANGE_REJECTED:reclassify": T(
        "enheten '{unit}' kan inte bli {kind}", "unit '{unit}' cannot become {kind}"
    ),
    "CHANGE_REJECTED:move": T(
        "enheten '{unit}' kan inte flyttas under '{target}'", "unit '{unit}' cannot move under '{target}'"
    ),
    "CHANGE_REJECTED:supervision": T(
        "uppsikten över '{unit}' kan inte gå över till '{supervisor}'",
        "the supervision of '{unit}' cannot pass to '{supervisor}'",
    ),
    "CHANGE_REJECTED:merge": T(
        "enheterna {units} kan inte slås samman till '{into}'", "units {units} cannot be merged into '{into}'"
    ),
    "CHANGE_REJECTED:split": T("enheten '{unit}' kan inte delas", "unit '{unit}' cannot be split"),
    "CHANGE_REJECTED:dissolve": T(
        "enheten '{unit}' kan inte avvecklas {day}", "unit '{unit}' cannot be dissolved on {day}"
    ),
    "CHANGE_REJECTED:spin-off": T(
        "enheten '{unit}' kan inte bli bolaget '{company}'", "unit '{unit}' cannot become company '{company}'"
    ),
    "CHANGE_REJECTED:establish-position": T(
        "befattningen '{position}' kan inte inrättas i '{unit}'",
        "position '{position}' cannot be established in '{unit}'",
    ),
    "CHANGE_REJECTED:move-position": T(
        "befattningen '{position}' kan inte flyttas till '{unit}'",
        "position '{position}' cannot move to '{unit}'",
    ),
    "CHANGE_REJECTED:abolish-position": T(
        "befattningen '{position}' kan inte avskaffas", "position '{position}' cannot be abolished"
    ),
    "CHANGE_REJECTED:grant": T(
        "delegationen '{delegation}' från '{board}' till '{to}' kan inte ges",
        "delegation '{delegation}' from '{board}' to '{to}' cannot be granted",
    ),
    "CHANGE_REJECTED:amend": T(
        "delegationen '{delegation}' kan inte ändras", "delegation '{delegation}' cannot be amended"
    ),
    "CHANGE_REJECTED:subdelegate": T(
        "'{parent}' kan inte vidaredelegeras till '{to}' som '{delegation}'",
        "'{parent}' cannot be passed on to '{to}' as '{delegation}'",
    ),
    "retroactive-consistency": T(
        "den krockar med senare ändringar som redan registrerats: {conflicts}",
        "it conflicts with later changes already recorded: {conflicts}",
    ),
    "retroactive-consistency:conflict": T(
        "{change} ({type}, gäller från {effective}): {reason}",
        "{change} ({type}, effective {effective}): {reason}",
    ),
    "retroactive-consistency:more": T("och {count} till", "and {count} more"),
    # Rule 1 and rule 5, checked for every change (orgchange/domain/timeline.py).
    "unique-key": T(
        "{noun} '{key}' kan inte inrättas: nyckeln '{key}' namnger redan {used} (en nyckel identifierar "
        "en sak för alltid och återanvänds aldrig, inte ens när den upphört)",
        "{noun} '{key}' cannot be established: the key '{key}' already names {used} (a key identifies "
        "one thing forever and is never reused, even after it ends)",
    ),
    "in-effect": T("{what}: {reason}", "{what}: {reason}"),
    "in-effect:ended": T(
        "'{key}' gäller inte {day} (den upphör {end})", "'{key}' is not in effect on {day} (it ends {end})"
    ),
    "in-effect:other-kind": T("'{key}' är {other}, inte {noun}", "'{key}' is {other}, not {noun}"),
    "in-effect:unknown": T(
        "'{key}' gäller inte {day} ({noun} med den nyckeln finns inte i registret)",
        "'{key}' is not in effect on {day} (there is no {noun} with that key)",
    ),
    "in-effect:not-yet": T(
        "'{key}' gäller inte {day} (den börjar gälla {start})",
        "'{key}' is not in effect on {day} (it starts {start})",
    ),
    "in-effect:no-longer-applies": T(
        "'{key}' gäller inte {day} (ändringen '{change}', som {made} den, skulle inte längre gälla)",
        "'{key}' is not in effect on {day} (change '{change}', which {made} it, would no longer apply)",
    ),
    "in-effect:cancelled": T(
        "{noun} '{key}' finns inte när ändringen '{change}', som {made} den, makuleras",
        "there is no {noun} '{key}' once change '{change}', which {made} it, is cancelled",
    ),
    # What a thing is called inside a sentence (the articles differ between the languages).
    "in-effect:unit": T("en enhet", "a unit"),
    "in-effect:position": T("en befattning", "a position"),
    "in-effect:delegation": T("en delegation", "a delegation"),
    "in-effect:council": T("ett kommunfullmäktige", "a council"),
    "in-effect:board": T("en nämnd", "a board"),
    "in-effect:committee": T("ett utskott", "a committee"),
    "in-effect:office": T("en förvaltning", "an office"),
    "in-effect:area": T("ett verksamhetsområde", "an area"),
    "in-effect:group": T("en ledningsgrupp", "a group"),
    "in-effect:company": T("ett bolag", "a company"),
    "in-effect:unknown-kind": T("av slaget '{kind}'", "of kind '{kind}'"),
    "in-effect:established": T("inrättade", "established"),
    "in-effect:granted": T("gav", "granted"),
    "unique-key:unit": T("enheten", "unit"),
    "unique-key:position": T("befattningen", "position"),
    "unique-key:delegation": T("delegationen", "delegation"),
    # Changes that change nothing.
    "no-change:named": T("{what}: den heter redan '{name}'", "{what}: it is already named '{name}'"),
    "no-change:kind": T("{what}: den är redan det", "{what}: it already is one"),
    "no-change:parent": T(
        "{what}: den står redan under '{parent}'", "{what}: it already stands under '{parent}'"
    ),
    "no-change:unit": T("{what}: den hör redan till '{unit}'", "{what}: it already belongs to '{unit}'"),
    "no-change:terms": T(
        "{what}: de nya villkoren är desamma som de gamla", "{what}: the new terms are the same as the old"
    ),
    "no-change:holder": T(
        "{what}: '{to}' har redan delegationen", "{what}: '{to}' already holds the delegation"
    ),
    # --- Why a unit, delegation or decision breaks a rule (orgchange/domain/units.py,
    # delegations.py, competence.py). `{what}` is the change (CHANGE_REJECTED:…), `{kind}` a
    # kind with its article (in-effect:board), `{law}` a reference to the act of the day.
    "CHANGE_REJECTED:revoke": T(
        "delegationen '{delegation}' kan inte upphävas", "delegation '{delegation}' cannot be revoked"
    ),
    "in-effect:supervisor": T("{what}: nämnden med uppsikt", "{what}: supervisor"),
    "in-effect:substitute": T("{what}: ersättaren", "{what}: substitute"),
    "in-effect:successor": T("{what}: efterträdaren '{unit}'", "{what}: successor '{unit}'"),
    # Rule 2: one parent, or one owner.
    "one-parent:owner": T(
        "{what}: ett bolag ägs av kommunen, genom fullmäktige, eller av ett annat bolag, och '{owner}' är {kind}",
        "{what}: a company is owned by the kommun, through the council, or by another company, "
        "and '{owner}' is {kind}",
    ),
    "one-parent:supervisor": T(
        "{what}: det är en nämnd som har uppsikt över ett bolag ({law}), och '{supervisor}' är {kind}",
        "{what}: the supervisor of a company is the board with uppsikt over it ({law}), "
        "and '{supervisor}' is {kind}",
    ),
    "one-parent:adopted-company": T(
        "{what}: bolaget '{child}' skulle ägas av '{into}', {kind}; ett bolag ägs av kommunen, "
        "genom fullmäktige, eller av ett annat bolag",
        "{what}: company '{child}' would be owned by '{into}', {kind}; a company is owned by the kommun, "
        "through the council, or by another company",
    ),
    "one-parent:council": T(
        "{what}: fullmäktige står överst och har varken överordnad eller ägare",
        "{what}: a council is a root and has neither parent nor owner",
    ),
    "one-parent:company": T(
        "{what}: ett bolag har exakt en ägare och ingen överordnad",
        "{what}: a company has exactly one owner and no parent",
    ),
    "one-parent:needs-parent": T(
        "{what}: en enhet av slaget '{kind}' behöver exakt en överordnad "
        "(bara fullmäktige står överst, bara ett bolag har en ägare)",
        "{what}: a unit of kind '{kind}' needs exactly one parent "
        "(only a council is a root, only a company has an owner)",
    ),
    "one-parent:only-company-supervised": T(
        "{what}: bara ett bolag står under en nämnds uppsikt", "{what}: only a company has a supervisor"
    ),
    "one-parent:reclassify": T(
        "{what}: fullmäktige och bolag kan inte byta slag (en enhet blir ett bolag med spin_off_unit)",
        "{what}: a council or a company cannot be reclassified (a unit becomes a company with spin_off_unit)",
    ),
    "one-parent:no-parent": T("{what}: {kind} har ingen överordnad", "{what}: {kind} has no parent"),
    "one-parent:no-parent-company": T(
        "{what}: ett bolag har ingen överordnad (flytta ett bolag genom att ange en ny 'owner')",
        "{what}: a company has no parent (move a company by giving a new 'owner')",
    ),
    "one-parent:not-a-company": T(
        "{what}: bara ett bolag har en ägare eller en nämnd med uppsikt; '{unit}' behöver en överordnad",
        "{what}: only a company has an owner or a supervisor; '{unit}' needs a parent",
    ),
    "one-parent:merge-new-unit": T(
        "{what}: en sammanslagning till en ny enhet behöver den nya enhetens 'name' och 'kind'",
        "{what}: a merge into a new unit needs its 'name' and 'kind'",
    ),
    "one-parent:merge-owners": T(
        "{what}: ett sammanslaget bolag behöver en ägare; enheterna som slås samman har olika ägare",
        "{what}: a merged company needs one owner; the merged units have different owners",
    ),
    "one-parent:merge-parents": T(
        "{what}: enheterna som slås samman står under olika överordnade; ange 'parent'",
        "{what}: the merged units stand under different parents; give 'parent'",
    ),
    # Rule 3: the hierarchy.
    "hierarchy:committee-parent": T(
        "{what}: ett utskott hör till en nämnd, och '{parent}' är {kind}",
        "{what}: a committee (utskott) belongs to a board, and '{parent}' is {kind}",
    ),
    "hierarchy:adopted-committee": T(
        "{what}: utskottet '{child}' skulle höra till '{into}', {kind}; ett utskott hör till en nämnd",
        "{what}: committee '{child}' would belong to '{into}', {kind}; a committee belongs to a board",
    ),
    "hierarchy:supervises-one": T(
        "{what}: '{board}' har uppsikt över {companies}; låt en annan nämnd få uppsikt över bolaget först "
        "(move_unit med 'supervisor')",
        "{what}: '{board}' has uppsikt over {companies}; give it another supervisor first "
        "(move_unit with 'supervisor')",
    ),
    "hierarchy:supervises-many": T(
        "{what}: '{board}' har uppsikt över {companies}; låt en annan nämnd få uppsikt över bolagen först "
        "(move_unit med 'supervisor')",
        "{what}: '{board}' has uppsikt over {companies}; give them another supervisor first "
        "(move_unit with 'supervisor')",
    ),
    "hierarchy:cycle": T(
        "{what}: '{above}' står under '{unit}', så det skulle bli en cirkel",
        "{what}: '{above}' stands under '{unit}', which would make a cycle",
    ),
    "hierarchy:merge-council": T("{what}: '{key}' är fullmäktige", "{what}: '{key}' is a council"),
    "hierarchy:merge-below": T(
        "{what}: '{key}' står under {above}, som också slås samman",
        "{what}: '{key}' stands under {above}, which is merged too",
    ),
    "hierarchy:merge-into-council": T(
        "{what}: en sammanslagning kan inte bilda fullmäktige", "{what}: a merge cannot make a council"
    ),
    "hierarchy:parent-merged": T(
        "{what}: den överordnade '{parent}' slås själv samman",
        "{what}: the parent '{parent}' is merged itself",
    ),
    "hierarchy:parent-below": T(
        "{what}: den överordnade '{parent}' står under {below}, så det skulle bli en cirkel",
        "{what}: the parent '{parent}' stands under {below}, which would make a cycle",
    ),
    "hierarchy:split-kind": T("{what}: {kind} kan inte delas", "{what}: {kind} cannot be split"),
    "hierarchy:successor-kind": T(
        "{what}: en efterträdare kan inte vara {kind}", "{what}: a successor cannot be {kind}"
    ),
    "hierarchy:successor-below": T(
        "{what}: efterträdaren '{successor}' kan inte stå under '{parent}', som står under den",
        "{what}: successor '{successor}' cannot stand under '{parent}', which stands under it",
    ),
    "hierarchy:spin-off-kind": T("{what}: den är redan {kind}", "{what}: it is {kind} already"),
    # Rule 4: what stands under a unit goes somewhere.
    "active-children:unmapped-child": T(
        "{what}: delningen måste ange vart varje aktiv underenhet går; saknas: {missing} "
        "(lägg till dem i 'children')",
        "{what}: it must say where every active child goes; not mapped: {missing} (add them to 'children')",
    ),
    "active-children:unmapped-position": T(
        "{what}: delningen måste ange vart varje aktiv befattning går; saknas: {missing} "
        "(lägg till dem i 'positions')",
        "{what}: it must say where every active position goes; not mapped: {missing} "
        "(add them to 'positions')",
    ),
    "active-children:extra-child": T(
        "{what}: {extra} är inte en aktiv underenhet till '{unit}'",
        "{what}: {extra} is not an active child of '{unit}'",
    ),
    "active-children:extra-position": T(
        "{what}: {extra} är inte en aktiv befattning i '{unit}'",
        "{what}: {extra} is not an active position of '{unit}'",
    ),
    "active-children:not-a-successor": T(
        "{what}: {unknown} är inte en av efterträdarna", "{what}: {unknown} is not one of the successors"
    ),
    "active-children:dissolve": T(
        "{what}: den har fortfarande aktiva enheter under sig: {units} "
        "(flytta, slå samman eller avveckla dem först)",
        "{what}: it still has active units under it: {units} (move, merge or dissolve them first)",
    ),
    # Cardinality: a merge of two or more, a split into two or more.
    "cardinality:merge": T(
        "enheterna kan inte slås samman till '{into}': en sammanslagning behöver minst två enheter "
        "i 'units', och den anger {named}",
        "units cannot be merged into '{into}': a merge needs at least two units in 'units', "
        "and it names {named}",
    ),
    "cardinality:split": T(
        "{what}: en delning behöver minst två efterträdare i 'into', och den anger {named}",
        "{what}: a split needs at least two successors in 'into', and it names {named}",
    ),
    "cardinality:only": T("bara {keys}", "only {keys}"),
    "cardinality:none": T("ingen", "none"),
    # Changes that change nothing (a company's owner and supervisor).
    "no-change:owner": T("{what}: den ägs redan av '{owner}'", "{what}: it is already owned by '{owner}'"),
    "no-change:supervisor": T(
        "{what}: '{supervisor}' har redan uppsikt över den",
        "{what}: it is already supervised by '{supervisor}'",
    ),
    "no-change:no-supervisor": T("{what}: ingen nämnd har uppsikt över den", "{what}: it has no supervisor"),
    # Rule 6: delegation.
    "delegation:delegate-kept-one": T(
        "{what}: den är delegat för {delegations}, och en nämnd delegerar bara till en befattning "
        "eller till ett eget utskott ({law}); ändra eller upphäv delegationen först",
        "{what}: it is the delegate of {delegations}, and a board delegates only to a position "
        "or to a committee of its own ({law}); amend or revoke it first",
    ),
    "delegation:delegate-kept-many": T(
        "{what}: den är delegat för {delegations}, och en nämnd delegerar bara till en befattning "
        "eller till ett eget utskott ({law}); ändra eller upphäv delegationerna först",
        "{what}: it is the delegate of {delegations}, and a board delegates only to a position "
        "or to a committee of its own ({law}); amend or revoke them first",
    ),
    "delegation:still-grants": T(
        "{what}: delegationerna {delegations} som den har gett gäller fortfarande, och bara en nämnd "
        "delegerar ({law}); upphäv dem först",
        "{what}: it still grants delegations {delegations}, and only a board delegates ({law}); "
        "revoke them first",
    ),
    "delegation:delegate-kind": T(
        "{what}: '{to}' är {kind}; delegaten måste vara en befattning eller ett av nämndens utskott — "
        "aldrig en enhet, en grupp anställda eller ett bolag ({law})",
        "{what}: '{to}' is {kind}; the delegate must be a position or a committee of the board — "
        "never a unit, a group of employees or a company ({law})",
    ),
    "delegation:delegate-kind-position": T(
        "{what}: '{to}' är {kind}; delegaten måste vara en befattning — "
        "aldrig en enhet, en grupp anställda eller ett bolag ({law})",
        "{what}: '{to}' is {kind}; the delegate must be a position — "
        "never a unit, a group of employees or a company ({law})",
    ),
    "delegation:other-board": T(
        "{what}: utskottet '{to}' hör till '{parent}', inte till '{board}'; en nämnd delegerar bara "
        "till sina egna utskott ({law})",
        "{what}: committee '{to}' belongs to '{parent}', not to '{board}'; a board delegates only to "
        "its own committees ({law})",
    ),
    "delegation:in-company": T(
        "{what}: befattningen '{post}' hör till bolaget '{company}'; ett bolags personal är inte "
        "kommunens anställda och kan inte besluta på en nämnds vägnar ({law})",
        "{what}: position '{post}' belongs to company '{company}'; a company's staff are not the "
        "kommun's employees and cannot decide on a board's behalf ({law})",
    ),
    "delegation:under-company": T(
        "{what}: befattningen '{post}' hör till '{unit}' i bolaget '{company}'; ett bolags personal är "
        "inte kommunens anställda och kan inte besluta på en nämnds vägnar ({law})",
        "{what}: position '{post}' belongs to '{unit}' of company '{company}'; a company's staff are not "
        "the kommun's employees and cannot decide on a board's behalf ({law})",
    ),
    "delegation:into-company-one": T(
        "{what}: befattningen '{post}' skulle stå i bolaget '{company}', och den är delegat för "
        "{delegations}; ett bolags personal är inte kommunens anställda och kan inte besluta på en "
        "nämnds vägnar ({law}); ändra eller upphäv delegationen först",
        "{what}: position '{post}' would stand in company '{company}', and it is the delegate of "
        "{delegations}; a company's staff are not the kommun's employees and cannot decide on a "
        "board's behalf ({law}); amend or revoke it first",
    ),
    "delegation:into-company-many": T(
        "{what}: befattningen '{post}' skulle stå i bolaget '{company}', och den är delegat för "
        "{delegations}; ett bolags personal är inte kommunens anställda och kan inte besluta på en "
        "nämnds vägnar ({law}); ändra eller upphäv delegationerna först",
        "{what}: position '{post}' would stand in company '{company}', and it is the delegate of "
        "{delegations}; a company's staff are not the kommun's employees and cannot decide on a "
        "board's behalf ({law}); amend or revoke them first",
    ),
    "delegation:not-a-board": T(
        "{what}: '{board}' är {kind}; bara en nämnd (kommunstyrelsen eller en annan nämnd) delegerar ({law})",
        "{what}: '{board}' is {kind}; only a board (kommunstyrelsen or a nämnd) delegates ({law})",
    ),
    "delegation:sub-again": T(
        "{what}: '{delegation}' är en vidaredelegation och kan inte vidaredelegeras igen; "
        "vidaredelegation sker bara i ett led ({law})",
        "{what}: '{delegation}' is a vidaredelegation and cannot be passed on again; "
        "vidaredelegation is one step only ({law})",
    ),
    "delegation:sub-of-sub": T(
        "{what}: '{parent}' är själv en vidaredelegation; vidaredelegation sker bara i ett led ({law})",
        "{what}: '{parent}' is itself a vidaredelegation; vidaredelegation is one step only ({law})",
    ),
    "delegation:sub-not-allowed": T(
        "{what}: nämnden har inte tillåtit vidaredelegation av '{parent}' "
        "(further_delegation är inte angivet; {law})",
        "{what}: the board did not allow vidaredelegation of '{parent}' "
        "(further_delegation is not set; {law})",
    ),
    "delegation:sub-not-director": T(
        "{what}: bara en förvaltningschef eller direktör får vidaredelegera, och befattningen '{to}' "
        "är inte förvaltningschef eller direktör ({law})",
        "{what}: only a förvaltningschef or direktör may pass a delegation on, and position '{to}' "
        "is not a förvaltningschef or direktör ({law})",
    ),
    "delegation:sub-no-position": T(
        "{what}: bara en förvaltningschef eller direktör får vidaredelegera, och '{to}' är inte "
        "en befattning som gäller {day} ({law})",
        "{what}: only a förvaltningschef or direktör may pass a delegation on, and '{to}' is not "
        "a position in effect on {day} ({law})",
    ),
    # Competence: who may decide a change (orgchange/domain/competence.py).
    "competence:decision": T("beslutet om {type}", "the decision of {type}"),
    "competence:decider": T("'{key}' ({kind}: {name})", "'{key}' ({kind}: {name})"),
    "competence:not-a-post": T(
        "{what} anger en tjänsteperson som inte finns: '{key}' är {kind}, inte en befattning",
        "{what} names an official who cannot be found: '{key}' is {kind}, not a post",
    ),
    "competence:no-post": T(
        "{what} anger en tjänsteperson som inte finns: det finns ingen befattning '{key}'",
        "{what} names an official who cannot be found: there is no post '{key}'",
    ),
    "competence:body-is-delegation": T(
        "{what} anger '{key}' som beslutande organ, och '{key}' är en delegation",
        "{what} names '{key}' as its body, and '{key}' is a delegation",
    ),
    "competence:body-absent": T(
        "{what}: det beslutande organet {absence}", "{what}: the deciding body {absence}"
    ),
    "competence:post-absent": T(
        "{what}: den beslutande tjänstepersonens befattning {absence}",
        "{what}: the deciding official's post {absence}",
    ),
    "competence:decides-nothing": T(
        "beslutat av {decider}: {kind} beslutar ingenting själv; en ändring beslutas av fullmäktige, "
        "en nämnd eller ett utskott (decision.body) eller av en tjänsteperson (decision.position)",
        "decided by {decider}: {kind} decides nothing itself; a change is decided by "
        "the council, a board or a committee (decision.body) or by an official (decision.position)",
    ),
    "competence:refused": T(
        "beslutat av {decider}, som inte får {doing}: {rule} ({law})",
        "decided by {decider}, which may not {doing}: {rule} ({law})",
    ),
    # What only the council, a board or the official's office may decide (the rule of a refusal).
    "competence:boards-rule": T(
        "bara fullmäktige inrättar, avvecklar, slår samman, delar, byter namn på, byter slag på eller "
        "flyttar en nämnd",
        "only the council establishes, dissolves, merges, splits, renames, reclassifies or moves a board",
    ),
    "competence:companies-rule": T(
        "bara fullmäktige bildar, avvecklar eller slår samman ett bolag, eller byter dess ägare eller "
        "den nämnd som har uppsikt över det",
        "only the council forms, dissolves or merges a company, or changes its owner or supervisor",
    ),
    "competence:committees-rule": T(
        "ett utskott inrättas, ändras eller avvecklas av fullmäktige eller av den nämnd det hör till",
        "a committee is established, changed or ended by the council or by the board it belongs to",
    ),
    "competence:board-decides-own": T(
        "en nämnds delegationsordning beslutas av nämnden själv; en tjänsteperson beslutar bara om "
        "vidaredelegation av en delegation som tjänstepersonen själv har",
        "a board's delegationsordning is decided by the board itself; an official decides "
        "only a vidaredelegation of a delegation the official holds",
    ),
    "competence:sub-decided-by": T(
        "en vidaredelegation beslutas av den förvaltningschef som har delegationen den vilar på "
        "('{holder}'), eller av nämnden '{board}'",
        "a vidaredelegation is decided by the förvaltningschef who holds the delegation it "
        "rests on ('{holder}'), or by board '{board}'",
    ),
    "competence:board-delegations": T(
        "en nämnds delegationer ges, ändras och upphävs av nämnden själv",
        "a board's delegations are granted, amended and revoked by the board itself",
    ),
    "competence:no-domain": T(
        "befattningen hör till '{unit}', som inte står i någon förvaltning eller något "
        "verksamhetsområde; en tjänsteperson beslutar bara inom befattningens förvaltning eller "
        "verksamhetsområde",
        "the post belongs to '{unit}', which stands in no office or area; an official "
        "decides only inside the office or area of the post",
    ),
    "competence:outside-one": T(
        "en tjänsteperson beslutar bara inom den förvaltning eller det verksamhetsområde som "
        "befattningen hör till, '{domain}', och {keys} står inte inom den",
        "an official decides only inside the office or area the post belongs to, '{domain}', "
        "and {keys} is not inside it",
    ),
    "competence:outside-many": T(
        "en tjänsteperson beslutar bara inom den förvaltning eller det verksamhetsområde som "
        "befattningen hör till, '{domain}', och {keys} står inte inom den",
        "an official decides only inside the office or area the post belongs to, '{domain}', "
        "and {keys} are not inside it",
    ),
    # What a decider may not do (the infinitive after "får inte", "may not").
    "competence:grant": T("ge", "grant"),
    "competence:amend": T("ändra", "amend"),
    "competence:revoke": T("upphäva", "revoke"),
    "competence:decide": T("besluta om", "decide"),
    "competence:rename": T("byta namn på", "rename"),
    "competence:dissolve": T("avveckla", "dissolve"),
    "competence:move": T("flytta", "move"),
    "competence:delegation-of-board": T(
        "{verb} en delegation från nämnden '{board}'", "{verb} a delegation of board '{board}'"
    ),
    "competence:sub-of": T(
        "{verb} en vidaredelegation av '{delegation}'", "{verb} a vidaredelegation of '{delegation}'"
    ),
    "competence:establish-board": T("inrätta nämnden '{unit}'", "establish board '{unit}'"),
    "competence:verb-board": T("{verb} nämnden '{unit}'", "{verb} board '{unit}'"),
    "competence:make-board": T("göra '{unit}' till en nämnd", "make '{unit}' a board"),
    "competence:unmake-board": T("göra nämnden '{unit}' till {kind}", "make board '{unit}' {kind}"),
    "competence:merge-board": T(
        "slå samman {units} till nämnden '{into}'", "merge {units} into board '{into}'"
    ),
    "competence:split-board": T("dela '{unit}' i nämnderna {units}", "split '{unit}' into boards {units}"),
    "competence:spin-off-board": T(
        "göra nämnden '{unit}' till ett bolag", "turn board '{unit}' into a company"
    ),
    "competence:form-company": T("bilda bolaget '{unit}'", "form company '{unit}'"),
    "competence:spin-off-company": T(
        "bilda bolaget '{company}' av '{unit}'", "form company '{company}' out of '{unit}'"
    ),
    "competence:dissolve-company": T("avveckla bolaget '{unit}'", "dissolve company '{unit}'"),
    "competence:move-company": T(
        "byta ägare eller nämnd med uppsikt för bolaget '{unit}'",
        "change the owner or supervisor of company '{unit}'",
    ),
    "competence:merge-company": T(
        "slå samman {units} till bolaget '{into}'", "merge {units} into company '{into}'"
    ),
    "competence:establish-committee": T("inrätta utskottet '{unit}'", "establish committee '{unit}'"),
    "competence:verb-committee": T("{verb} utskottet '{unit}'", "{verb} committee '{unit}'"),
    "competence:make-kind": T("göra '{unit}' till {kind}", "make '{unit}' {kind}"),
    "competence:merge-committees": T("slå samman utskotten {units}", "merge committees {units}"),
    "competence:split-committee": T("dela utskottet '{unit}'", "split committee '{unit}'"),
    "competence:decide-type": T("besluta om {type}", "decide {type}"),
    "competence:establish-unit": T(
        "inrätta enheten '{unit}' under '{parent}'", "establish unit '{unit}' under '{parent}'"
    ),
    "competence:verb-unit": T("{verb} enheten '{unit}'", "{verb} unit '{unit}'"),
    "competence:make-unit": T("göra enheten '{unit}' till {kind}", "make unit '{unit}' {kind}"),
    "competence:move-unit": T(
        "flytta enheten '{unit}' under '{parent}'", "move unit '{unit}' under '{parent}'"
    ),
    "competence:merge-units": T(
        "slå samman enheterna {units} till '{into}'", "merge units {units} into '{into}'"
    ),
    "competence:split-unit": T("dela enheten '{unit}'", "split unit '{unit}'"),
    "competence:spin-off-unit": T(
        "göra enheten '{unit}' till bolaget '{company}'", "turn unit '{unit}' into company '{company}'"
    ),
    "competence:establish-position": T(
        "inrätta befattningen '{position}' i '{unit}'", "establish position '{position}' in '{unit}'"
    ),
    "competence:move-position": T(
        "flytta befattningen '{position}' till '{unit}'", "move position '{position}' to '{unit}'"
    ),
    "competence:abolish-position": T("dra in befattningen '{position}'", "abolish position '{position}'"),
    # Cancellations and reports (orgchange/domain/register.py).
    "cancellation:what": T(
        "ändringen '{change}' kan inte makuleras", "change '{change}' cannot be cancelled"
    ),
    "cancellation:unknown": T(
        "{what}: ingen ändring med det id:t har registrerats", "{what}: no change with that id was recorded"
    ),
    "cancellation:not-cancellable": T(
        "{what}: den är en {type}; bara organisations- och delegationsändringar kan makuleras",
        "{what}: it is a {type}; only organisational and delegation changes can be cancelled",
    ),
    "idempotency": T(
        "id:t '{change}' registrerades tidigare med annat innehåll (ett ändrings-id namnger en ändring "
        "för alltid; använd ett nytt id)",
        "the id '{change}' was recorded before with different content (a change id names one change "
        "forever; use a new id)",
    ),
    "cancellation:already": T(
        "{what}: den är redan makulerad av '{by}'", "{what}: it was already cancelled by '{by}'"
    ),
    "reporting:what": T(
        "ändringar kan inte anmälas till '{to}' för sammanträdet {meeting}",
        "changes cannot be reported to '{to}' for the meeting {meeting}",
    ),
    "reporting:note-what": T(
        "anmälan till '{to}' för {meeting} kan inte noteras",
        "the report to '{to}' for {meeting} cannot be noted",
    ),
    "reporting:not-a-board": T("{what}: '{to}' {where} den {meeting}", "{what}: '{to}' {where} on {meeting}"),
    "reporting:no-board": T("är inte en nämnd som gäller", "is not a board in effect"),
    "reporting:kind": T("är {kind}, inte en nämnd,", "is {kind}, not a board"),
    "reporting:twice": T("{what}: '{change}' står två gånger", "{what}: '{change}' is listed twice"),
    "reporting:unknown": T(
        "{what}: ingen ändring '{change}' har registrerats", "{what}: no change '{change}' was recorded"
    ),
    "reporting:is-report": T(
        "{what}: '{change}' är själv en anmälan", "{what}: '{change}' is itself a report"
    ),
    "reporting:cancelled": T(
        "{what}: '{change}' är makulerad av '{by}'", "{what}: '{change}' was cancelled by '{by}'"
    ),
    "reporting:already": T(
        "{what}: '{change}' anmäldes redan till '{to}' {day}",
        "{what}: '{change}' was already reported to '{to}' on {day}",
    ),
    "reporting:nothing": T(
        "{what}: inga ändringar anmäldes för det sammanträdet",
        "{what}: no changes were reported for that meeting",
    ),
    "reporting:noted": T(
        "{what}: den är redan noterad under {paragraph}", "{what}: it was already noted under {paragraph}"
    ),
    # Reading a change file (orgchange/application/changefile.py).
    "malformed-input": T("{source}: {problem}", "{source}: {problem}"),
    "malformed-input:not-utf8": T(
        "{source}: filen är inte UTF-8-text", "{source}: the file is not UTF-8 text"
    ),
    "malformed-input:too-deep": T(
        "{source}: filen är för djupt nästlad", "{source}: the file is nested too deeply"
    ),
    "malformed-input:long-number": T(
        "{source}: ett tal har fler än {limit} siffror",
        "{source}: a number has more than {limit} digits",
    ),
    "malformed-input:not-yaml": T(
        "{source}: inte giltig YAML eller JSON{where}: {problem}",
        "{source}: not valid YAML or JSON{where}: {problem}",
    ),
    "malformed-input:not-a-file": T(
        "{source}: en ändringsfil är en mappning med 'format' och 'changes'",
        "{source}: a change file is a mapping with 'format' and 'changes'",
    ),
    "malformed-input:unknown-fields": T(
        "{source}: okända fält på översta nivån: {fields}", "{source}: unknown top-level field(s): {fields}"
    ),
    "malformed-input:format": T(
        "{source}: 'format' måste vara '{expected}' (fann {found})",
        "{source}: 'format' must be '{expected}' (found {found})",
    ),
    "malformed-input:organisation-text": T(
        "{source}: 'organisation' måste vara text", "{source}: 'organisation' must be text"
    ),
    "malformed-input:organisation-nul": T(
        "{source}: 'organisation': text får inte innehålla tecknet U+0000 (NUL)",
        "{source}: 'organisation': text cannot contain the character U+0000 (NUL)",
    ),
    "malformed-input:changes-list": T(
        "{source}: 'changes' måste vara en lista av ändringar",
        "{source}: 'changes' must be a list of changes",
    ),
    "malformed-input:more": T("… (fler problem visas inte)", "… (further problems not shown)"),
    "malformed-input:not-a-mapping": T(
        "ändring nr {index}: en ändring är en mappning av fält",
        "change #{index}: a change is a mapping of fields",
    ),
    "malformed-input:change": T("ändring nr {index}{ident}", "change #{index}{ident}"),
    "malformed-input:nul": T(
        "ändring nr {index}: text får inte innehålla tecknet U+0000 (NUL)",
        "change #{index}: text cannot contain the character U+0000 (NUL)",
    ),
    "malformed-input:no-type": T("saknar 'type'", "has no 'type'"),
    "malformed-input:type": T("har okänd typ {type}", "has unknown type {type}"),
    "malformed-input:where": T(" (rad {line}, kolumn {column})", " (line {line}, column {column})"),
    "malformed-input:anchors": T(
        "{source}: YAML-ankare och -alias (&namn, *namn) är inte tillåtna i en ändringsfil (rad {line}, "
        "kolumn {column}); skriv ut värdena",
        "{source}: YAML anchors and aliases (&name, *name) are not allowed in a change file (line {line}, "
        "column {column}); write the values out",
    ),
    "malformed-input:too-large": T(
        "{source}: filen är större än {limit} byte; dela upp den i flera filer",
        "{source}: the file is larger than {limit} bytes; split it into several files",
    ),
    "malformed-input:repeated-key": T(
        "{source}: nyckeln {key} står två gånger i samma objekt",
        "{source}: the key {key} is written twice in one object",
    ),
    "YAML_TOO_MANY_NODES": T(
        "{source}: filen har fler än {limit} YAML-noder (värden, listor och mappningar; rad {line}, kolumn "
        "{column}), för många för en fil av sin storlek: skriv ut ändringarna som i en vanlig ändringsfil "
        "(YAML_TOO_MANY_NODES)",
        "{source}: the file has more than {limit} YAML nodes (values, lists and mappings; line {line}, column "
        "{column}), too many for a file of its size: write the changes out as in an ordinary change file "
        "(YAML_TOO_MANY_NODES)",
    ),
    "TOO_MANY_CHANGES": T(
        "{source}: filen har {count} ändringar; högst {limit} tas emot i en begäran: dela upp den i flera "
        "filer, eller läs in den med orgchange import (TOO_MANY_CHANGES)",
        "{source}: the file has {count} changes; at most {limit} are taken in one request: split it into "
        "several files, or import it with orgchange import (TOO_MANY_CHANGES)",
    ),
    "malformed-input:unknown-type": T(
        "{label} {what}; förväntade en av: {expected}", "{label} {what}; expected one of: {expected}"
    ),
    "malformed-input:change-too-deep": T(
        "{label} {type}: för djupt nästlad", "{label} {type}: nested too deeply"
    ),
    "malformed-input:draft-organisation": T("'organisation' ska vara text", "'organisation' must be text"),
    "malformed-input:unreadable": T(
        "{source}: kan inte läsa filen: {reason}", "{source}: cannot read the file: {reason}"
    ),
    # HTTP.
    "INVALID_PARAMETER": T("'{name}': {problem}", "'{name}': {problem}"),
    "INVALID_PARAMETER:where": T("{where}: {problem}", "{where}: {problem}"),
    "INVALID_PARAMETER:query": T("frågeparametern '{name}'", "query parameter '{name}'"),
    "INVALID_PARAMETER:path": T("sökvägsparametern '{name}'", "path parameter '{name}'"),
    "INVALID_PARAMETER:header": T("rubriken '{name}'", "header parameter '{name}'"),
    "INVALID_PARAMETER:nul": T(
        "'{name}': text får inte innehålla tecknet U+0000 (NUL)",
        "'{name}': text cannot contain the character U+0000 (NUL)",
    ),
    "INVALID_PARAMETER:date": T(
        "inte ett datum skrivet ÅÅÅÅ-MM-DD: {value}", "not a date written YYYY-MM-DD: {value}"
    ),
    "INVALID_PARAMETER:out-of-calendar": T(
        "ett datum måste ligga mellan {first} och {last}: {day}",
        "a day must be between {first} and {last}: {day}",
    ),
    "INVALID_PARAMETER:calendar-date": T(
        "inte ett datum i kalendern: {value}", "not a calendar date: {value}"
    ),
    "INVALID_PARAMETER:instant": T(
        "inte en tidpunkt enligt ISO 8601: {value}", "not an ISO 8601 instant: {value}"
    ),
    "INVALID_PARAMETER:instant-example": T(
        "inte en tidpunkt enligt ISO 8601, som 2017-03-01T12:00:00+01:00: {value}",
        "not an ISO 8601 instant such as 2017-03-01T12:00:00+01:00: {value}",
    ),
    "INVALID_PARAMETER:time-zone": T(
        "en tidpunkt behöver en tidszon, t.ex. Z för UTC eller +01:00: {value}",
        "an instant needs a time zone, e.g. Z for UTC or +01:00: {value}",
    ),
    "INVALID_PARAMETER:instant-range": T(
        "inte en tidpunkt mellan år 1 och 9999 i UTC: {value}",
        "not an instant between the years 1 and 9999 in UTC: {value}",
    ),
    "INVALID_PARAMETER:invalid": T("begäran är inte giltig", "the request is not valid"),
    "REQUEST_TIMEOUT": T(
        "begärans rubriker kom inte fram i tid", "the request headers did not arrive in time"
    ),
    "REQUEST_TIMEOUT:body": T(
        "begärans kropp kom inte fram inom {seconds} sekunder",
        "the request body did not arrive within {seconds} seconds",
    ),
    "HEADERS_TOO_LARGE": T(
        "begärans rad och rubriker är större än {limit} byte",
        "the request line and headers are larger than {limit} bytes",
    ),
    "UNAUTHENTICATED": T(
        "en giltig API-token behövs: skicka 'Authorization: Bearer TOKEN'",
        "a valid API token is needed: send 'Authorization: Bearer TOKEN'",
    ),
    "UNAUTHENTICATED:read": T(
        "läsning är inte öppen på den här servern: skicka 'Authorization: Bearer TOKEN'",
        "reads are not public on this server: send 'Authorization: Bearer TOKEN'",
    ),
    "FORBIDDEN": T(
        "att registrera ändringar kräver en registrators eller en administratörs token",
        "recording changes needs a registrar's or an admin's token",
    ),
    "UNSUPPORTED_MEDIA_TYPE": T("skicka ändringsfilen som {types}", "send the change file as {types}"),
    "UNSUPPORTED_MEDIA_TYPE:or": T(" eller ", " or "),
    "UNSUPPORTED_MEDIA_TYPE:table": T("skicka tabellen som {types}", "send the table as {types}"),
    "malformed-input:dry-run": T(
        "frågeparametern 'dryRun' är true eller false", "the query parameter 'dryRun' is true or false"
    ),
    "REQUEST_TOO_LARGE": T(
        "begärans kropp är större än {limit} byte", "the request body is larger than {limit} bytes"
    ),
    "DATABASE_UNAVAILABLE": T(
        "databasen kan inte användas just nu; ingenting registrerades",
        "the database cannot be used right now; nothing was recorded",
    ),
    "DATABASE_UNAVAILABLE:read-only": T(
        "den här servern läser bara registret (en läskopia); registrera ändringar via en server som skriver; "
        "ingenting registrerades",
        "this server only reads the register (a read replica); record changes through a server that writes; "
        "nothing was recorded",
    ),
    "DATABASE_UNAVAILABLE:read-only:read": T(
        "den här servern läser bara registret (en läskopia); gör detta via en server som skriver",
        "this server only reads the register (a read replica); do this through a server that writes",
    ),
    "DATABASE_UNAVAILABLE:read": T(
        "databasen kan inte användas just nu; försök igen om en stund",
        "the database cannot be used right now; try again in a moment",
    ),
    "DATABASE_UNAVAILABLE:detail": T("{message} ({detail})", "{message} ({detail})"),
    "DATABASE_UNAVAILABLE:cli": T(
        "databasen kan inte användas: {detail}", "the database cannot be used: {detail}"
    ),
    "CONCURRENT_WRITE": T(
        "andra registratorer registrerade ändringar i samma ögonblick; ingenting registrerades, försök igen",
        "other registrars kept recording changes at the same moment; nothing was recorded, please try again",
    ),
    "CONCURRENT_WRITE:preview": T(
        "en annan registrator registrerade ändringar i samma ögonblick; förhandsgranska igen",
        "another registrar recorded changes at the same moment; please preview again",
    ),
    "REVIEW_BUSY": T(
        "Servern gör redan så många granskningsunderlag som den kan; försök igen om en stund.",
        "The server is already building as many review packs as it can; try again in a while.",
    ),
    "EXPORT_BUSY": T(
        "Servern gör redan så många exporter av öppna data som den kan; försök igen om en stund.",
        "The server is already making as many open-data exports as it can; try again in a while.",
    ),
    # Diagrams and PDFs.
    "DIAGRAM_TOO_LARGE": T(
        "diagrammet skulle rymma {nodes} rutor och {edges} linjer, fler än de {limit} rutor (och dubbelt så "
        "många linjer) ett diagram får visa; {hint}",
        "the diagram would hold {nodes} boxes and {edges} lines, more than the {limit} boxes (and twice as "
        "many lines) one diagram may show; {hint}",
    ),
    "DIAGRAM_TOO_LARGE:orgchart": T(
        "organisationsschemat för {day} har {units} enheter, fler än de {limit} ett diagram får visa; {hint}",
        "the org chart of {day} holds {units} units, more than the {limit} one diagram may show; {hint}",
    ),
    "DIAGRAM_TOO_LARGE:smaller-part": T("be om en mindre del", "ask for a smaller part"),
    "DIAGRAM_TOO_LARGE:part": T(
        "be om en del: root=NYCKEL (en enhet och det som står under den) och depth=N (så många nivåer "
        "under den){example} (på kommandoraden: --root NYCKEL --depth N)",
        "ask for a part: root=KEY (a unit and what stands under it) and depth=N (that many levels below "
        "it){example} (on the command line: --root KEY --depth N)",
    ),
    "DIAGRAM_TOO_LARGE:example": T(", t.ex. root={root}&depth=2", ", e.g. root={root}&depth=2"),
    "DIAGRAM_TOO_LARGE:fewer-levels": T(
        "be om färre nivåer med depth=N, eller om en enhet längre ner med root=NYCKEL (på kommandoraden: "
        "--depth N, --root NYCKEL)",
        "ask for fewer levels with depth=N, or for a unit further down with root=KEY (on the command line: "
        "--depth N, --root KEY)",
    ),
    "DIAGRAM_TOO_LARGE:one-board": T(
        "be om en nämnds delegationer: board=NYCKEL (på kommandoraden: --board NYCKEL)",
        "ask for one board's delegations: board=KEY (on the command line: --board KEY)",
    ),
    "DIAGRAM_TOO_LARGE:book": T(
        "det tryckta organisationsschemat skulle få {parts} sidor, fler än de {limit} det får ha; be om en "
        "del: root=NYCKEL (på kommandoraden: --root NYCKEL)",
        "the printed org chart would have {parts} pages, more than the {limit} it may have; ask for a part: "
        "root=KEY (on the command line: --root KEY)",
    ),
    "DIAGRAM_TOO_LARGE:review": T(
        "hela dagens organisationsschema finns på /diagrams/orgchart.svg (root=NYCKEL, depth=N för en del)",
        "the org chart of the whole day is at /diagrams/orgchart.svg (root=KEY, depth=N for a part)",
    ),
    "DIAGRAM_TIMED_OUT": T(
        "att rita diagrammet tog längre tid än {seconds} sekunder och avbröts; {hint}",
        "drawing the diagram took longer than {seconds} seconds and was stopped; {hint}",
    ),
    "DIAGRAM_FAILED": T(
        "Graphviz kunde inte rita diagrammet{said}; {hint}",
        "Graphviz could not draw the diagram{said}; {hint}",
    ),
    "DIAGRAM_BUSY": T(
        "servern ritar så många diagram som den får på en gång; försök igen om {seconds} sekunder",
        "the server is drawing as many diagrams as it may at once; try again in {seconds} seconds",
    ),
    "PDF_UNAVAILABLE": T(
        "PDF kräver en huvudlös Chromium (Debian: apt-get install chromium); HTML fungerar utan den",
        "PDF needs a headless Chromium (Debian: apt-get install chromium); the HTML works without it",
    ),
    "PDF_UNAVAILABLE:not-started": T(
        "PDF kräver en huvudlös Chromium, men webbläsaren i {executable} startade inte; HTML fungerar utan den",
        "PDF needs a headless Chromium, but the browser at {executable} did not start; the HTML works without it",
    ),
    "PDF_UNAVAILABLE:playwright": T(
        "PDF kräver Python-paketet 'playwright' (ett beroende)",
        "PDF needs the Python package 'playwright' (a dependency)",
    ),
    "PDF_UNAVAILABLE:timed-out": T(
        "webbläsaren skrev inte ut PDF:en inom {seconds} sekunder",
        "the browser did not finish printing the PDF within {seconds} seconds",
    ),
    "PDF_UNAVAILABLE:failed": T(
        "webbläsaren kunde inte skriva ut PDF:en", "the browser could not print the PDF"
    ),
    "GRAPHVIZ_MISSING": T(
        "{format} kräver Graphviz program 'dot', som inte är installerat här "
        "(Debian: apt-get install graphviz); formatet DOT fungerar utan det",
        "{format} needs Graphviz's 'dot' program, which is not installed here "
        "(Debian: apt-get install graphviz); the DOT format works without it",
    ),
    "PDF_BUSY": T(
        "servern skriver ut så många PDF:er som den får på en gång; försök igen om {seconds} sekunder",
        "the server is printing as many PDFs as it may at once; try again in {seconds} seconds",
    ),
    # GraphQL arguments.
    "BAD_USER_INPUT:cursor": T(
        "'{cursor}' är ingen markör som tjänsten har lämnat ut",
        "'{cursor}' is not a cursor this service gave out",
    ),
    "BAD_USER_INPUT:first": T(
        "'first' måste vara mellan 0 och {limit}", "'first' must be between 0 and {limit}"
    ),
    "BAD_USER_INPUT:search-text": T(
        "söktexten får vara högst {limit} tecken lång",
        "the search text may be at most {limit} characters long",
    ),
    "BAD_USER_INPUT:no-unit": T(
        "det finns ingen enhet '{key}' i registret", "there is no unit '{key}' in the register"
    ),
    "BAD_USER_INPUT:before": T(
        "'to' ({to}) är före 'from' ({start})", "'to' ({to}) is before 'from' ({start})"
    ),
    "BAD_USER_INPUT:not-after": T(
        "'to' ({to}) är inte efter 'from' ({start})", "'to' ({to}) is not after 'from' ({start})"
    ),
    "BAD_USER_INPUT:status": T("'status' är en av: {statuses}", "'status' is one of: {statuses}"),
    "BAD_USER_INPUT:file": T(
        "'file' måste vara en ändringsfil: ett JSON-objekt eller YAML-text",
        "'file' must be a change file: a JSON object or YAML text",
    ),
    # The command line.
    "INVALID_SETTING": T(
        "{variable} måste vara en av {allowed} (fann {found})",
        "{variable} must be one of {allowed} (found {found})",
    ),
    # Corrections (orgchange/domain/register.py).
    "correction:what": T("ändringen '{change}' kan inte rättas", "change '{change}' cannot be corrected"),
    "correction:unknown": T(
        "{what}: ingen ändring med det id:t har registrerats", "{what}: no change with that id was recorded"
    ),
    "correction:not-correctable": T(
        "{what}: den är en {type}; bara organisations- och delegationsändringar kan rättas",
        "{what}: it is a {type}; only organisational and delegation changes can be corrected",
    ),
    "correction:cancelled": T(
        "{what}: den är redan makulerad av '{by}'", "{what}: it was already cancelled by '{by}'"
    ),
    "correction:replacement-id": T(
        "{what}: ersättningens id '{replacement}' har registrerats tidigare (ett ändrings-id namnger en "
        "ändring för alltid; använd ett nytt id)",
        "{what}: the replacement's id '{replacement}' was recorded before (a change id names one change "
        "forever; use a new id)",
    ),
    # Sessions (api/sessions.py, api/routes/session.py).
    "CSRF_REFUSED": T("Begäran avvisades: {problem}.", "The request was refused: {problem}."),
    "CSRF_REFUSED:token": T(
        "en ändring med sessionskakan måste skicka sessionens X-CSRF-Token (sidan gör det själv)",
        "a write with the session cookie must send the session's X-CSRF-Token (the page does so itself)",
    ),
    "CSRF_REFUSED:site": T(
        "webbläsaren säger att begäran kom från en annan webbplats (Sec-Fetch-Site: {site})",
        "the browser says the request came from another site (Sec-Fetch-Site: {site})",
    ),
    "CSRF_REFUSED:origin": T(
        "begäran kom från en sida med ett annat ursprung", "the request came from a page of another origin"
    ),
    "SIGN_IN_REFUSED": T(
        "Inloggningen misslyckades: servern känner inte igen den token (kontrollera att den är rätt och "
        "inte återkallad).",
        "The sign-in failed: the server does not recognise the token (check that it is right and not "
        "revoked).",
    ),
    "SIGN_IN_REFUSED:role": T(
        "Inloggningen avvisades: proxyn angav en roll som registret inte känner.",
        "The sign-in was refused: the proxy gave a role the register does not know.",
    ),
    "SIGN_IN_MALFORMED": T('Skicka {{"token": "…"}} som JSON.', 'Send {{"token": "…"}} as JSON.'),
    "SIGN_IN_MALFORMED:text": T("En token är text.", "A token is text."),
    "SIGN_IN_LIMITED": T(
        "För många misslyckade inloggningsförsök från din adress; försök igen om {seconds} sekunder.",
        "Too many failed sign-in attempts from your address; try again in {seconds} seconds.",
    ),
    # Metrics and health.
    "METRICS_UNAUTHENTICATED": T(
        "mätvärdena kräver 'Authorization: Bearer' med serverns token för mätvärden",
        "the metrics need 'Authorization: Bearer' the server's metrics token",
    ),
    "DATABASE_UNAVAILABLE:unreachable": T("databasen kan inte nås", "the database cannot be reached"),
    "READ_MODELS_BEHIND": T(
        "läsmodellerna speglar händelse {projected}, händelselagret håller {last}",
        "the read models reflect event {projected}, the event store holds {last}",
    ),
    "REGISTER_LOADING": T(
        "registret läses in i minnet sedan servern startade för {seconds} s sedan; den första "
        "registreringen väntar annars på det",
        "the register is being read into memory since the server started {seconds} s ago; the "
        "first write would otherwise wait for it",
    ),
    # Versions of the database (docs/upgrading.md).
    "DATABASE_NEEDS_MIGRATION": T(
        "databasen är skriven av en tidigare version av orgchange och behöver uppgraderas; kör "
        "`orgchange migrate` (eller starta med `orgchange serve --migrate`); inget har ändrats "
        "(DATABASE_NEEDS_MIGRATION)",
        "the database was written by an earlier version of orgchange and needs to be upgraded; run "
        "`orgchange migrate` (or start with `orgchange serve --migrate`); nothing was changed "
        "(DATABASE_NEEDS_MIGRATION)",
    ),
    "DATABASE_TOO_NEW": T(
        "databasen skrevs av en nyare version av orgchange ({what} version {found}; den här versionen "
        "känner till version {known}); uppgradera orgchange innan du använder den här databasen; inget "
        "har ändrats (DATABASE_TOO_NEW)",
        "the database was written by a newer version of orgchange ({what} version {found}; this version "
        "knows version {known}); upgrade orgchange before using this database; nothing was changed "
        "(DATABASE_TOO_NEW)",
    ),
    "DATABASE_TOO_NEW:read-models": T("läsmodellerna", "the read models"),
    "DATABASE_TOO_NEW:schema": T("databasschemat", "the database schema"),
    "DATABASE_TOO_NEW:entry": T("ändringsposten", "the change entry"),
    "DATABASE_TOO_NEW:event": T("händelsen {name}", "the event {name}"),
    # Drafts (orgchange/application/drafts.py, api/routes/drafts.py).
    "DRAFT_NOT_FOUND": T("det finns inget utkast med id '{id}'", "there is no draft with the id '{id}'"),
    "DRAFT_CHANGED": T(
        "utkastet '{name}' har ändrats av någon annan sedan du öppnade det (nu version {revision}, "
        "sparad {saved} UTC): öppna det igen och gör om din ändring",
        "draft '{name}' was changed by someone else since you opened it (now revision {revision}, "
        "saved {saved} UTC): open it again and make your change again",
    ),
    "DRAFT_CHANGED:no-revision": T(
        "If-Match anger ingen version av utkastet", "If-Match names no revision of the draft"
    ),
    "DRAFT_REVISION_REQUIRED": T(
        "ange vilken version av utkastet ändringen gjordes i: If-Match med utkastets ETag",
        "say which revision of the draft the change was made in: If-Match with the draft's ETag",
    ),
    "DRAFT_CLOSED": T(
        "utkastet '{name}' är {status} och kan inte längre ändras",
        "draft '{name}' is {status} and can no longer be changed",
    ),
    "DRAFT_NOT_PREVIEWED": T(
        "utkastet '{name}' klarar inte sin kontroll, så det finns inget schema före och efter att rita",
        "draft '{name}' does not pass its check, so there is no chart before and after to draw",
    ),
    "DRAFT_CLOSED:record": T(
        "utkastet '{name}' är kastat och kan inte registreras",
        "draft '{name}' is discarded and cannot be recorded",
    ),
    "DRAFT_CLOSED:recorded": T("registrerat", "recorded"),
    "DRAFT_CLOSED:discarded": T("kastat", "discarded"),
    "DRAFT_CONFLICT": T(
        "{label} {type} stämmer inte längre med registret, där ändringar har registrerats sedan "
        "utkastet sparades: {reason}",
        "{label} {type} no longer fits the register, where changes were recorded since the draft was "
        "saved: {reason}",
    ),
    "DRAFT_CONFLICT:rejected": T("{label} {type}: {reason}", "{label} {type}: {reason}"),
    "DRAFT_CONFLICT:label": T("ändring nr {index}{ident}", "change #{index}{ident}"),
    "DRAFT_DECISION_MISSING": T(
        "beslutet saknas för ändring {named}: fyll i beslutande organ (eller befattning) och "
        "beslutsdag innan utkastet registreras",
        "the decision is missing for change {named}: fill in the deciding body (or position) and the "
        "day of the decision before the draft is recorded",
    ),
    "DRAFT_DECISION_MISSING:change": T("nr {index}{ident}", "#{index}{ident}"),
    "DRAFT_INVALID:no-entry": T(
        "utkastet har ingen ändring nr {index} (det har {count})",
        "the draft has no change #{index} (it has {count})",
    ),
    "DRAFT_INVALID:not-a-file": T(
        "ett utkast är en ändringsfil: en mappning med 'format' och 'changes'",
        "a draft is a change file: a mapping with 'format' and 'changes'",
    ),
    "DRAFT_INVALID:unknown-fields": T(
        "okända fält i ändringsfilen: {fields}", "unknown fields in the change file: {fields}"
    ),
    "DRAFT_INVALID:format": T("'format' ska vara '{format}'", "'format' must be '{format}'"),
    "DRAFT_INVALID:changes": T(
        "'changes' ska vara en lista av ändringar", "'changes' must be a list of changes"
    ),
    "DRAFT_INVALID:empty": T(
        "utkastet '{name}' har inga ändringar att registrera", "draft '{name}' has no changes to record"
    ),
    "DRAFT_INVALID:no-name": T("ett utkast behöver ett namn", "a draft needs a name"),
    "DRAFT_INVALID:long-name": T(
        "ett utkasts namn har högst {limit} tecken", "a draft's name has at most {limit} characters"
    ),
    "DRAFT_INVALID:control": T(
        "ett utkasts namn kan inte innehålla styrtecken", "a draft's name cannot hold control characters"
    ),
    "DRAFT_LIMIT": T(
        "{user} har redan {count} öppna utkast, det högsta antalet: registrera eller kasta något av dem först",
        "{user} already keeps {count} open drafts, the most allowed: record or discard one of them first",
    ),
    "DRAFT_TOO_LARGE": T(
        "utkastet har {count} ändringar; högst {limit} ryms i ett utkast",
        "the draft has {count} changes; at most {limit} fit in one draft",
    ),
    "DRAFT_TOO_LARGE:bytes": T(
        "utkastet är större än {limit} byte", "the draft is larger than {limit} bytes"
    ),
    # Backup and restore (orgchange/application/backup.py): the code at the end.
    "BACKUP_FILE_EXISTS": T(
        "filen {path} finns redan; en säkerhetskopia skrivs till en ny fil, aldrig över en annan "
        "(BACKUP_FILE_EXISTS)",
        "the file {path} exists already; a backup is written to a new file, never over another "
        "(BACKUP_FILE_EXISTS)",
    ),
    "BACKUP_FILE_UNWRITABLE": T(
        "katalogen {directory} finns inte (BACKUP_FILE_UNWRITABLE)",
        "the directory {directory} does not exist (BACKUP_FILE_UNWRITABLE)",
    ),
    "BACKUP_NOT_FOUND": T(
        "säkerhetskopian {path} finns inte (BACKUP_NOT_FOUND)",
        "the backup {path} does not exist (BACKUP_NOT_FOUND)",
    ),
    "NOT_A_BACKUP": T(
        "{path} är ingen säkerhetskopia av registret från `orgchange backup`{detail} (NOT_A_BACKUP)",
        "{path} is no backup of the register from `orgchange backup`{detail} (NOT_A_BACKUP)",
    ),
    "NOT_A_BACKUP:damaged": T("filen är skadad", "the file is damaged"),
    "NOT_A_BACKUP:no-register": T("den håller inget register", "it holds no register"),
    "BACKUP_WRONG_KIND": T(
        "{path} är en säkerhetskopia av en {kind}-databas och kan bara återställas i {kind}, inte i "
        "{target} (BACKUP_WRONG_KIND)",
        "{path} is a backup of a {kind} database and can only be restored into {kind}, not into "
        "{target} (BACKUP_WRONG_KIND)",
    ),
    "RESTORE_TARGET_NOT_EMPTY": T(
        "databasen {target} är inte tom (tabellerna {tables} har rader); en säkerhetskopia återställs "
        "bara i en tom databas, så att inget register skrivs över eller blandas med ett annat; "
        "ingenting ändrades (RESTORE_TARGET_NOT_EMPTY)",
        "the database {target} is not empty (the tables {tables} hold rows); a backup is restored only "
        "into an empty database, so that no register is overwritten or mixed with another; nothing "
        "was changed (RESTORE_TARGET_NOT_EMPTY)",
    ),
    "RESTORE_TARGET_NOT_A_DATABASE": T(
        "{target} finns men är ingen SQLite-databas ({error}); ingenting ändrades "
        "(RESTORE_TARGET_NOT_A_DATABASE)",
        "{target} exists but is no SQLite database ({error}); nothing was changed "
        "(RESTORE_TARGET_NOT_A_DATABASE)",
    ),
    "DATABASE_NOT_FOUND": T(
        "databasen {source} finns inte; det finns inget att säkerhetskopiera (DATABASE_NOT_FOUND)",
        "the database {source} does not exist; there is nothing to back up (DATABASE_NOT_FOUND)",
    ),
    "DATABASE_NOT_FOUND:directory": T(
        "katalogen {directory} finns inte (DATABASE_NOT_FOUND)",
        "the directory {directory} does not exist (DATABASE_NOT_FOUND)",
    ),
    "DATABASE_NOT_A_REGISTER": T(
        "{source} håller inget register att säkerhetskopiera (DATABASE_NOT_A_REGISTER)",
        "{source} holds no register to back up (DATABASE_NOT_A_REGISTER)",
    ),
    "DATABASE_NOT_A_REGISTER:postgresql": T(
        "databasen håller inget register att säkerhetskopiera (DATABASE_NOT_A_REGISTER)",
        "the database holds no register to back up (DATABASE_NOT_A_REGISTER)",
    ),
    "DATABASE_UNAVAILABLE:backup": T(
        "databasen kan inte nås: {detail} (DATABASE_UNAVAILABLE)",
        "the database cannot be reached: {detail} (DATABASE_UNAVAILABLE)",
    ),
    "PG_TOOLS_MISSING": T(
        "programmet {name} finns inte; installera PostgreSQL:s klientprogram (paketet postgresql-client) "
        "i samma version som servern (PG_TOOLS_MISSING)",
        "the program {name} is not there; install PostgreSQL's client programs (the package "
        "postgresql-client) of the server's version (PG_TOOLS_MISSING)",
    ),
    "PG_DUMP_VERSION_MISMATCH": T(
        "pg_dump ({tool}) är äldre än databasservern ({server}) och kan inte säkerhetskopiera den; "
        "installera pg_dump i serverns version (PG_DUMP_VERSION_MISMATCH)",
        "pg_dump ({tool}) is older than the database server ({server}) and cannot back it up; install "
        "pg_dump of the server's version (PG_DUMP_VERSION_MISMATCH)",
    ),
    "PG_DUMP_VERSION_MISMATCH:unknown": T("okänd version", "unknown version"),
    "BACKUP_FAILED": T(
        "pg_dump misslyckades: {problem} (BACKUP_FAILED)", "pg_dump failed: {problem} (BACKUP_FAILED)"
    ),
    "BACKUP_FAILED:timeout": T(
        "{tool} blev inte klar på {seconds} sekunder (BACKUP_FAILED)",
        "{tool} did not finish within {seconds} seconds (BACKUP_FAILED)",
    ),
    "RESTORE_FAILED": T(
        "återställningen misslyckades: {error} (RESTORE_FAILED)",
        "the restore failed: {error} (RESTORE_FAILED)",
    ),
    "RESTORE_FAILED:pg-restore": T(
        "pg_restore misslyckades: {problem}; ingenting ändrades (RESTORE_FAILED)",
        "pg_restore failed: {problem}; nothing was changed (RESTORE_FAILED)",
    ),
    "RESTORE_FAILED:unknown": T("okänt fel", "unknown error"),
    # --- GraphQL documents graphql-core refuses (api/graphql/catalogued.py): its sentences,
    # recognised by their form, in either language; `{detail}` is its own when no form fits.
    "GRAPHQL_VALIDATION_FAILED": T(
        "Dokumentet stämmer inte med schemat: {detail}", "The document does not fit the schema: {detail}"
    ),
    "GRAPHQL_VALIDATION_FAILED:unknown-field": T(
        "Typen '{type}' har inget fält '{field}'.", "Cannot query field '{field}' on type '{type}'."
    ),
    "GRAPHQL_VALIDATION_FAILED:unknown-argument": T(
        "'{field}' har inget argument '{argument}'.", "Unknown argument '{argument}' on '{field}'."
    ),
    "GRAPHQL_VALIDATION_FAILED:missing-argument": T(
        "Argumentet '{argument}' av typen '{type}' måste anges.",
        "Argument '{argument}' of type '{type}' is required, but it was not provided.",
    ),
    "GRAPHQL_VALIDATION_FAILED:needs-selection": T(
        "Fältet '{field}' av typen '{type}' behöver ett urval av underfält ({field} {{ … }}).",
        "Field '{field}' of type '{type}' must have a selection of subfields ({field} {{ … }}).",
    ),
    "GRAPHQL_VALIDATION_FAILED:no-selection": T(
        "Fältet '{field}' har inga underfält att välja (typen '{type}').",
        "Field '{field}' must not have a selection since type '{type}' has no subfields.",
    ),
    "GRAPHQL_VALIDATION_FAILED:wrong-value": T(
        "Värdet {value} är inte av typen '{type}'.", "Expected value of type '{type}', found {value}."
    ),
    "GRAPHQL_VALIDATION_FAILED:wrong-value-because": T(
        "Värdet {value} är inte av typen '{type}': {reason}.",
        "Expected value of type '{type}', found {value}: {reason}.",
    ),
    "GRAPHQL_VALIDATION_FAILED:variable-position": T(
        "Variabeln '{variable}' av typen '{type}' används där typen '{expected}' krävs.",
        "Variable '{variable}' of type '{type}' used in position expecting type '{expected}'.",
    ),
    "GRAPHQL_VALIDATION_FAILED:variable-undefined": T(
        "Variabeln '{variable}' är inte deklarerad.", "Variable '{variable}' is not defined."
    ),
    "GRAPHQL_VALIDATION_FAILED:variable-unused": T(
        "Variabeln '{variable}' används aldrig.", "Variable '{variable}' is never used."
    ),
    "GRAPHQL_VALIDATION_FAILED:unknown-type": T("Typen '{type}' finns inte.", "Unknown type '{type}'."),
    "GRAPHQL_VALIDATION_FAILED:unknown-directive": T(
        "Direktivet '{directive}' finns inte.", "Unknown directive '{directive}'."
    ),
    "GRAPHQL_VALIDATION_FAILED:did-you-mean": T(
        "{sentence} Menade du {names}?", "{sentence} Did you mean {names}?"
    ),
    "BAD_USER_INPUT:variable": T(
        "Variabeln '{variable}' har ett ogiltigt värde: {reason}",
        "Variable '{variable}' has an invalid value: {reason}",
    ),
    "BAD_USER_INPUT:variable-missing": T(
        "Variabeln '{variable}' av typen '{type}' måste anges.",
        "Variable '{variable}' of type '{type}' must be provided.",
    ),
    "GRAPHQL_PARSE_FAILED": T("Syntaxfel: {detail}", "Syntax Error: {detail}"),
    "GRAPHQL_PARSE_FAILED:expected": T(
        "Syntaxfel: väntade {expected}, fann {found}.", "Syntax Error: Expected {expected}, found {found}."
    ),
    "GRAPHQL_PARSE_FAILED:unexpected": T("Syntaxfel: oväntat {found}.", "Syntax Error: Unexpected {found}."),
    "GRAPHQL_PARSE_FAILED:unterminated": T(
        "Syntaxfel: en sträng utan slut.", "Syntax Error: Unterminated string."
    ),
    "GRAPHQL_PARSE_FAILED:end": T("slutet av dokumentet", "<EOF>"),
    "TOO_MANY_TOKENS": T(
        "Syntaxfel: dokumentet har fler än {limit} token; tolkningen avbröts.",
        "Syntax Error: Document contains more than {limit} tokens. Parsing aborted.",
    ),
    # Requests strawberry refuses before any document is read.
    "GRAPHQL_REQUEST_INVALID": T("{detail}", "{detail}"),
    "GRAPHQL_REQUEST_INVALID:no-query": T(
        "Begäran har ingen GraphQL-fråga ('query').", "No GraphQL query found in the request."
    ),
    "GRAPHQL_REQUEST_INVALID:mutation-by-get": T(
        "En ändring (mutation) skickas med POST, inte med GET.", "Mutations are not allowed when using GET."
    ),
    "GRAPHQL_REQUEST_INVALID:not-json": T(
        "Kroppen kan inte läsas som JSON.", "Unable to parse request body as JSON."
    ),
    "GRAPHQL_REQUEST_INVALID:query-type": T(
        "'query' i begäran är en sträng eller null.", "The request's 'query' is a string or null."
    ),
    "GRAPHQL_REQUEST_INVALID:variables-type": T(
        "'variables' i begäran är ett objekt eller null.", "The request's 'variables' is an object or null."
    ),
    "GRAPHQL_REQUEST_INVALID:extensions-type": T(
        "'extensions' i begäran är ett objekt eller null.", "The request's 'extensions' is an object or null."
    ),
    "GRAPHQL_REQUEST_INVALID:operation-type": T(
        "Operationens typ kan inte avgöras.", "The operation's type cannot be told."
    ),
    "GRAPHQL_REQUEST_INVALID:unknown-operation": T(
        "Dokumentet har ingen operation som heter '{name}'.", "Unknown operation named '{name}'."
    ),
    "TOO_MANY_FIELDS": T(
        "dokumentet väljer fler än {limit} fält; fråga efter mindre i en begäran",
        "the document selects more than {limit} fields; ask for less in one request",
    ),
    "OPERATION_NOT_CHOSEN:several": T(
        "Dokumentet har flera operationer: säg vilken som ska köras med operationName.",
        "The document has several operations: say which to run with operationName.",
    ),
    "OPERATION_NOT_CHOSEN:unknown": T(
        "Dokumentet har ingen operation som heter '{name}'.", "The document has no operation named '{name}'."
    ),
    # The bounds of a GraphQL document and its answer (api/graphql/limits.py).
    "QUERY_TOO_DEEP": T(
        "'{name}' är djupare än de {limit} nivåer en operation får ha",
        "'{name}' exceeds maximum operation depth of {limit}",
    ),
    "QUERY_TOO_DEEP:fragments": T(
        "dokumentet nästlar fragment för djupt för att kunna mätas",
        "the document nests fragments too deeply to be measured",
    ),
    "QUERY_TOO_COSTLY": T(
        "frågan skulle kosta omkring {cost} (gränsen är {limit}): nästlade listor mångfaldigar det som "
        "står under dem; fråga efter färre nästlade listor, eller en mindre sida med `first`",
        "the query would cost about {cost} (the limit is {limit}): nested lists multiply what is below "
        "them; ask for fewer nested lists, or a smaller page with `first`",
    ),
    "QUERY_TOO_COSTLY:drafts": T(
        "en fråga får kontrollera eller förhandsvisa högst {limit} utkast: fråga efter ett utkast i taget "
        "(draft(id))",
        "a query may check or preview at most {limit} drafts: ask for one draft at a time (draft(id))",
    ),
    "TOO_MANY_ALIASES": T(
        "{aliases} alias i dokumentet; högst {limit} får användas",
        "{aliases} aliases found. Allowed: {limit}",
    ),
    "RESULT_TOO_LARGE": T(
        "svaret skulle hålla fler än {limit} enheter, befattningar, delegationer och länkar; fråga efter "
        "färre nästlade listor, eller en del av organisationen (t.ex. `unit` med dess `children`)",
        "the answer would hold more than {limit} units, posts, delegations and links; ask for fewer "
        "nested lists, or a part of the organisation (e.g. `unit` with its `children`)",
    ),
    "BAD_USER_INPUT:nul": T(
        "text får inte innehålla tecknet U+0000 (NUL)", "text cannot contain the character U+0000 (NUL)"
    ),
    "BAD_USER_INPUT:nul-variable": T(
        "variabeln '{name}': text får inte innehålla tecknet U+0000 (NUL)",
        "variable '{name}': text cannot contain the character U+0000 (NUL)",
    ),
    "BAD_USER_INPUT:surrogate-variable": T(
        "variabeln '{name}': texten innehåller en halv surrogatpar-kod ({code}), som inte är något tecken",
        "variable '{name}': the text holds half of a surrogate pair ({code}), which is not a character",
    ),
    "NOT_FOUND:change": T(
        "ingen organisationsändring '{id}' har registrerats", "no organisational change '{id}' was recorded"
    ),
    "NOT_FOUND:meeting": T(
        "inga ändringar anmäldes till '{board}' vid sammanträdet {meeting}",
        "no changes were reported to '{board}' for the meeting {meeting}",
    ),
    "NOT_FOUND:board": T("det finns ingen nämnd '{board}'", "there is no board '{board}'"),
    "NOT_FOUND:unit-on": T("enheten '{unit}' gäller inte {day}", "unit '{unit}' is not in effect on {day}"),
    "NOT_FOUND:unit": T(
        "det finns ingen enhet '{unit}' i registret", "there is no unit '{unit}' in the register"
    ),
    "INVALID_PARAMETER:to-before-from": T(
        "'to' ({end}) är före 'from' ({start})", "'to' ({end}) is before 'from' ({start})"
    ),
    "INVALID_SETTING:uri-base": T("ORGCHANGE_URI_BASE: {problem}", "ORGCHANGE_URI_BASE: {problem}"),
    "INTERNAL_ERROR": T("Ett fel i servern; det är loggat.", "Internal server error; it has been logged."),
    # The GraphQL request's bounds (api/graphql/bounds.py).
    "REQUEST_TOO_LARGE:graphql": T(
        "GraphQL-begäran är större än {limit} byte; skicka en stor ändringsfil till POST /changes",
        "the GraphQL request is larger than {limit} bytes; send a large change file to POST /changes",
    ),
    "DOCUMENT_TOO_LARGE": T(
        "GraphQL-dokumentet är större än {limit} byte; fråga efter mindre i en begäran",
        "the GraphQL document is larger than {limit} bytes; ask for less in one request",
    ),
    "VARIABLES_TOO_DEEP": T(
        "variablerna nästlar objekt och listor mer än {limit} nivåer djupt",
        "the variables nest objects and lists more than {limit} levels deep",
    ),
    "UNSUPPORTED_MEDIA_TYPE:graphql": T(
        "en GraphQL-fråga skickas som JSON (Content-Type: application/json), inte som {media_type}",
        "a GraphQL request is sent as JSON (Content-Type: application/json), not as {media_type}",
    ),
    "UNSUPPORTED_MEDIA_TYPE:no-type": T("en kropp utan Content-Type", "a body without a Content-Type"),
    "BAD_REQUEST_BODY": T(
        'En GraphQL-fråga skickas som ett JSON-objekt ({{"query": …}}) i UTF-8: {what}.',
        'A GraphQL request is sent as one JSON object ({{"query": …}}) in UTF-8: {what}.',
    ),
    "BAD_REQUEST_BODY:not-utf-8": T("kroppen är inte UTF-8 (byte {at})", "the body is not UTF-8 (byte {at})"),
    "BAD_REQUEST_BODY:not-json": T("kroppen är inte JSON", "the body is not JSON"),
    "BAD_REQUEST_BODY:repeated-key": T(
        "nyckeln {key} står två gånger i samma objekt", "the key {key} is written twice in one object"
    ),
    "BAD_REQUEST_BODY:not-an-object": T(
        "kroppen är {kind}, inte ett JSON-objekt", "the body is {kind}, not a JSON object"
    ),
    "BAD_REQUEST_BODY:list": T(
        "en lista (flera frågor i en begäran tas inte emot)",
        "a list (several queries in one request are not taken)",
    ),
    "BAD_REQUEST_BODY:string": T("en sträng", "a string"),
    "BAD_REQUEST_BODY:null": T("null", "null"),
    "BAD_REQUEST_BODY:boolean": T("ett sanningsvärde", "a boolean"),
    "BAD_REQUEST_BODY:number": T("ett tal", "a number"),
    # HTTP routing and FastAPI's own validation of parameters and bodies (api/params.py).
    "NOT_FOUND": T("Det finns ingenting på adressen {path}.", "There is nothing at {path}."),
    "METHOD_NOT_ALLOWED": T(
        "Adressen {path} tar inte emot {method}; den tar emot {allowed}.",
        "{path} does not take {method}; it takes {allowed}.",
    ),
    "INVALID_PARAMETER:body": T("kroppens fält '{name}'", "body field '{name}'"),
    "INVALID_PARAMETER:missing": T("saknas", "is missing"),
    "INVALID_PARAMETER:integer": T("inte ett heltal: {value}", "not an integer: {value}"),
    "INVALID_PARAMETER:number": T("inte ett tal: {value}", "not a number: {value}"),
    "INVALID_PARAMETER:boolean": T("inte true eller false: {value}", "not true or false: {value}"),
    "INVALID_PARAMETER:choice": T("inte en av {expected}: {value}", "not one of {expected}: {value}"),
    "INVALID_PARAMETER:at-least": T("mindre än {limit}: {value}", "less than {limit}: {value}"),
    "INVALID_PARAMETER:at-most": T("större än {limit}: {value}", "greater than {limit}: {value}"),
    "INVALID_PARAMETER:too-short": T(
        "kortare än {limit} tecken: {value}", "shorter than {limit} characters: {value}"
    ),
    "INVALID_PARAMETER:too-long": T("längre än {limit} tecken", "longer than {limit} characters"),
    "INVALID_PARAMETER:pattern": T(
        "har inte den form som krävs: {value}", "not of the form required: {value}"
    ),
    "INVALID_PARAMETER:text": T("inte text: {value}", "not text: {value}"),
    "INVALID_PARAMETER:or": T(" eller ", " or "),
    "INVALID_PARAMETER:other": T("ogiltigt värde ({kind})", "an invalid value ({kind})"),
    # The command line's usage (orgchange/cli.py): click's refusals in the catalogue's words.
    "USAGE_ERROR": T("{detail}", "{detail}"),
    "USAGE_ERROR:no-such-option": T("Flaggan {option} finns inte.", "No such option: {option}"),
    "USAGE_ERROR:no-such-option-hint": T(
        "Flaggan {option} finns inte. Menade du {hint}?", "No such option: {option} Did you mean {hint}?"
    ),
    "USAGE_ERROR:no-such-command": T("Kommandot '{command}' finns inte.", "No such command '{command}'."),
    "USAGE_ERROR:missing-argument": T("Argumentet {argument} saknas.", "Missing argument {argument}."),
    "USAGE_ERROR:missing-option": T("Flaggan {option} saknas.", "Missing option {option}."),
    "USAGE_ERROR:needs-value": T(
        "Flaggan {option} behöver ett värde.", "Option {option} requires an argument."
    ),
    "USAGE_ERROR:bad-value": T(
        "Ogiltigt värde för {parameter}: {problem}", "Invalid value for {parameter}: {problem}"
    ),
    "USAGE_ERROR:not-a-choice": T("{value} är inte en av {choices}.", "{value} is not one of {choices}."),
    "USAGE_ERROR:extra-arguments": T(
        "Oväntade argument: {arguments}", "Got unexpected extra arguments: {arguments}"
    ),
    "USAGE_ERROR:usage": T("Användning: {usage}", "Usage: {usage}"),
    "USAGE_ERROR:help": T("Skriv '{command} --help' för hjälp.", "Try '{command} --help' for help."),
    "USAGE_ERROR:error": T("Fel: {message} ({code})", "Error: {message} ({code})"),
    "USAGE_ERROR:meeting-or-period": T(
        "ange --meeting, eller --from och --to", "give --meeting, or --from and --to"
    ),
    "USAGE_ERROR:open-data-only": T(
        "{options}: bara med --format {formats}", "{options}: only with --format {formats}"
    ),
    # Delegated decisions.
    "DECISIONS_MALFORMED": T(
        "beslutsfilen går inte att läsa (DECISIONS_MALFORMED)",
        "the decisions file cannot be read (DECISIONS_MALFORMED)",
    ),
    "DECISIONS_MALFORMED:item": T("beslut #{index}{ident}", "decision #{index}{ident}"),
    "DECISIONS_MALFORMED:row": T("rad {line}", "line {line}"),
    "DECISIONS_MALFORMED:not-a-mapping": T(
        "{label}: ett beslut är en mappning med id, delegation, decided_by, date och matter",
        "{label}: a decision is a mapping with id, delegation, decided_by, date and matter",
    ),
    "DECISIONS_MALFORMED:nul": T(
        "{label}: ett fält innehåller ett NUL-tecken", "{label}: a field holds a NUL character"
    ),
    "DECISIONS_MALFORMED:field": T("{label}: {problem}", "{label}: {problem}"),
    "DECISIONS_MALFORMED:not-a-file": T(
        "{source}: en beslutsfil är en mappning med 'format' och 'decisions'",
        "{source}: a decisions file is a mapping with 'format' and 'decisions'",
    ),
    "DECISIONS_MALFORMED:unknown-fields": T(
        "{source}: okända fält: {fields}", "{source}: unknown fields: {fields}"
    ),
    "DECISIONS_MALFORMED:format": T(
        "{source}: 'format' måste vara '{expected}' (fann {found})",
        "{source}: 'format' must be '{expected}' (found {found})",
    ),
    "DECISIONS_MALFORMED:list": T(
        "{source}: 'decisions' måste vara en lista", "{source}: 'decisions' must be a list"
    ),
    "DECISIONS_EXPORT:needs-output": T(
        "registret har fler beslut än en fil rymmer ({limit}); ange -o FIL, så skrivs de till FIL, "
        "FIL-2, FIL-3 …, som importeras i den ordningen",
        "the register holds more decisions than one file takes ({limit}); give -o FILE, and they are "
        "written to FILE, FILE-2, FILE-3 …, to be imported in that order",
    ),
    "DECISIONS_MALFORMED:too-many": T(
        "{source}: {count} beslut; högst {limit} i en fil",
        "{source}: {count} decisions; at most {limit} in one file",
    ),
    "DECISIONS_MALFORMED:mapping": T(
        "{source}: en CSV- eller XLSX-fil läses med en kolumnmappning (--mapping)",
        "{source}: a CSV or XLSX file is read with a column mapping (--mapping)",
    ),
    "DECISIONS_MALFORMED:no-tables": T(
        "{source}: den här versionen läser inte CSV- eller XLSX-filer; använd JSON eller YAML",
        "{source}: this version does not read CSV or XLSX files; use JSON or YAML",
    ),
    "DECISIONS_MALFORMED:amount": T(
        "beloppet {value} är inget tal i kronor", "the amount {value} is no number of kronor"
    ),
    "DECISIONS_MALFORMED:yes-no": T("{value} är varken ja eller nej", "{value} is neither yes nor no"),
    "PERSONAL_DATA:cell": T(
        "innehåller ett personnummer eller samordningsnummer ({number}); registret tar inte emot "
        "personuppgifter (PERSONAL_DATA)",
        "holds a personal identity or co-ordination number ({number}); the register takes no personal "
        "data (PERSONAL_DATA)",
    ),
    "DECISIONS_MALFORMED:unreadable": T(
        "{source}: kan inte läsas: {problem}", "{source}: cannot be read: {problem}"
    ),
    "PERSONAL_DATA:field": T(
        "{label}: fältet '{field}' innehåller ett personnummer eller samordningsnummer ({number}); "
        "registret är allmän handling och tar inte emot personuppgifter (PERSONAL_DATA)",
        "{label}: field '{field}' holds a personal identity or co-ordination number ({number}); "
        "the register is a public record and takes no personal data (PERSONAL_DATA)",
    ),
    "DECISION_CONFLICT:twice": T(
        "beslut #{index} ({ident}): id:t står redan tidigare i filen med annat innehåll (DECISION_CONFLICT)",
        "decision #{index} ({ident}): the id is used earlier in the file with other content (DECISION_CONFLICT)",
    ),
    "DECISION_CONFLICT:recorded": T(
        "beslut #{index} ({ident}): ett beslut med det id:t är redan registrerat med annat innehåll "
        "(DECISION_CONFLICT)",
        "decision #{index} ({ident}): a decision with that id was recorded before with other content "
        "(DECISION_CONFLICT)",
    ),
    "DECISION_REPORT_REFUSED:none": T("inga beslut att anmäla", "no decisions to report"),
    "DECISION_REPORT_REFUSED:unknown": T(
        "beslutet '{ident}' är inte registrerat", "decision '{ident}' is not recorded"
    ),
    "DECISION_REPORT_REFUSED:elsewhere": T(
        "beslutet '{ident}' anmäls till {report_to}, inte till '{to}'",
        "decision '{ident}' is reported to {report_to}, not to '{to}'",
    ),
    "DECISION_REPORT_REFUSED:nobody": T("ingen (ska inte anmälas)", "nobody (not to be reported)"),
    "DECISION_REPORT_REFUSED:before-decision": T(
        "beslutet '{ident}' togs {day} och kan inte anmälas till ett sammanträde före det ({meeting})",
        "decision '{ident}' was taken on {day} and cannot be reported to a meeting before it ({meeting})",
    ),
    "DECISION_REPORT_REFUSED:already": T(
        "beslutet '{ident}' anmäldes redan till sammanträdet {meeting}",
        "decision '{ident}' was reported already, to the meeting of {meeting}",
    ),
    "DECISION_REPORT_REFUSED:paragraph": T(
        "paragrafen ska vara en rad text på högst 200 tecken",
        "the paragraph must be one line of at most 200 characters",
    ),
    "DECISION_REPORT_REFUSED:no-report": T(
        "inga beslut anmäldes till '{to}' för sammanträdet {meeting}",
        "no decisions were reported to '{to}' for the meeting of {meeting}",
    ),
    "DECISION_REPORT_REFUSED:noted": T(
        "anmälan till '{to}' för sammanträdet {meeting} är redan antecknad ({paragraph})",
        "the report to '{to}' for the meeting of {meeting} is noted already ({paragraph})",
    ),
    # Spreadsheets and baselines (docs/baseline.md): the code at the end.
    "TABLE_UNREADABLE": T(
        "{source} kan inte läsas: {reason} (TABLE_UNREADABLE)",
        "{source} cannot be read: {reason} (TABLE_UNREADABLE)",
    ),
    "TABLE_UNREADABLE:kind": T(
        "{source} är varken .csv eller .xlsx (filändelsen är {suffix}) (TABLE_UNREADABLE)",
        "{source} is neither .csv nor .xlsx (its suffix is {suffix}) (TABLE_UNREADABLE)",
    ),
    "TABLE_UNREADABLE:not-utf8": T(
        "{source} är inte UTF-8 (rad {line}); spara den som ”CSV UTF-8” (TABLE_UNREADABLE)",
        "{source} is not UTF-8 (line {line}); save it as “CSV UTF-8” (TABLE_UNREADABLE)",
    ),
    "TABLE_UNREADABLE:nul": T(
        "{source} innehåller tecknet U+0000 och är ingen textfil (TABLE_UNREADABLE)",
        "{source} holds the character U+0000 and is no text file (TABLE_UNREADABLE)",
    ),
    "TABLE_UNREADABLE:csv": T(
        "{source} rad {line} är inte giltig CSV: {problem} (TABLE_UNREADABLE)",
        "{source} line {line} is not valid CSV: {problem} (TABLE_UNREADABLE)",
    ),
    "TABLE_UNREADABLE:xlsx": T(
        "{source} är ingen läsbar XLSX-fil: {problem} (TABLE_UNREADABLE)",
        "{source} is no readable XLSX file: {problem} (TABLE_UNREADABLE)",
    ),
    "TABLE_UNREADABLE:sheet": T(
        "{source} har inget blad '{sheet}'; bladen är: {sheets} (TABLE_UNREADABLE)",
        "{source} has no sheet '{sheet}'; its sheets are: {sheets} (TABLE_UNREADABLE)",
    ),
    "TABLE_TOO_LARGE:bytes": T(
        "{source} är större än {limit} byte (TABLE_TOO_LARGE)",
        "{source} is larger than {limit} bytes (TABLE_TOO_LARGE)",
    ),
    "TABLE_TOO_LARGE:unpacked": T(
        "{source} packas upp till mer än {limit} byte eller har för många delar; ingenting packades upp "
        "(TABLE_TOO_LARGE)",
        "{source} unpacks to more than {limit} bytes or has too many parts; nothing was unpacked "
        "(TABLE_TOO_LARGE)",
    ),
    "TABLE_TOO_LARGE:rows": T(
        "{source} har fler än {limit} rader (TABLE_TOO_LARGE)",
        "{source} has more than {limit} rows (TABLE_TOO_LARGE)",
    ),
    "TABLE_TOO_LARGE:columns": T(
        "{source} rad {line} har fler än {limit} kolumner (TABLE_TOO_LARGE)",
        "{source} line {line} has more than {limit} columns (TABLE_TOO_LARGE)",
    ),
    "TABLE_TOO_LARGE:cells": T(
        "{source} har fler än {limit} celler (TABLE_TOO_LARGE)",
        "{source} has more than {limit} cells (TABLE_TOO_LARGE)",
    ),
    "TABLE_TOO_LARGE:row-elements": T(
        "{source} rad {line} har fler än {limit} XML-element (TABLE_TOO_LARGE)",
        "{source} line {line} has more than {limit} XML elements (TABLE_TOO_LARGE)",
    ),
    "TABLE_TOO_LARGE:elements": T(
        "{source} har fler än {limit} XML-element (TABLE_TOO_LARGE)",
        "{source} has more than {limit} XML elements (TABLE_TOO_LARGE)",
    ),
    "TABLE_TOO_LARGE:changes": T(
        "{source} ger {count} ändringar, fler än {limit} som en begäran får registrera; läs in den med "
        "kommandot orgchange baseline (TABLE_TOO_LARGE)",
        "{source} makes {count} changes, more than the {limit} one request may record; import it with the "
        "command orgchange baseline (TABLE_TOO_LARGE)",
    ),
    "TABLE_TOO_LARGE:cell": T(
        "{source} rad {line} har en cell med fler än {limit} tecken (TABLE_TOO_LARGE)",
        "{source} line {line} has a cell of more than {limit} characters (TABLE_TOO_LARGE)",
    ),
    "TABLE_HEADER:none": T(
        "{source} har ingen rubrikrad (rad {line}) (TABLE_HEADER)",
        "{source} has no header row (line {line}) (TABLE_HEADER)",
    ),
    "TABLE_HEADER:repeated": T(
        "{source}: rubriken '{column}' står i flera kolumner (TABLE_HEADER)",
        "{source}: the header '{column}' heads several columns (TABLE_HEADER)",
    ),
    "TABLE_MISSING_COLUMN": T(
        "{source}: kolumnen '{column}' ({field}) saknas; rubrikerna är {headers} (TABLE_MISSING_COLUMN)",
        "{source}: the column '{column}' ({field}) is missing; the headers are {headers} (TABLE_MISSING_COLUMN)",
    ),
    "TABLE_VALUE": T("{where}: {reason} (TABLE_VALUE)", "{where}: {reason} (TABLE_VALUE)"),
    "TABLE_VALUE:row": T("{source} rad {line}", "{source} line {line}"),
    "TABLE_VALUE:cell": T(
        "{source} rad {line}, kolumn '{column}'", "{source} line {line}, column '{column}'"
    ),
    "TABLE_VALUE:empty": T("värdet saknas", "the value is missing"),
    "TABLE_VALUE:kind": T(
        "'{value}' är inget slag av enhet; slagen är {kinds}",
        "'{value}' is no kind of unit; the kinds are {kinds}",
    ),
    "TABLE_VALUE:repeated-key": T(
        "nyckeln '{key}' används redan på rad {line}", "the key '{key}' is used already on line {line}"
    ),
    "TABLE_VALUE:repeated-name": T(
        "namnet '{name}' finns redan på rad {line}; ange överordnad med nyckel",
        "the name '{name}' is on line {line} already; name the parent by its key",
    ),
    "TABLE_VALUE:key": T(
        "'{value}' kan inte bli en nyckel (bokstäver, siffror och -)",
        "'{value}' cannot become a key (letters, digits and -)",
    ),
    "TABLE_VALUE:yes-no": T("'{value}' är varken ja eller nej", "'{value}' is neither yes nor no"),
    "TABLE_VALUE:change": T("{problem}", "{problem}"),
    "TABLE_VALUE:ambiguous-parent": T(
        "'{parent}' är namnet på flera enheter i registret: {units}; ange överordnad med nyckel",
        "'{parent}' is the name of several units of the register: {units}; name the parent by its key",
    ),
    "TABLE_REFERENCE:board": T(
        "'{board}' är ingen nämnd, styrelse eller utskott i registret {day} (TABLE_REFERENCE)",
        "'{board}' is no board or committee of the register on {day} (TABLE_REFERENCE)",
    ),
    "CHANGE_REJECTED:row": T(
        "{where}: {change}. Ingenting registrerades.", "{where}: {change}. Nothing was recorded."
    ),
    "TABLE_REFERENCE": T(
        "{where}: '{parent}' finns varken i tabellen eller i registret {day} (TABLE_REFERENCE)",
        "{where}: '{parent}' is neither in the table nor in the register on {day} (TABLE_REFERENCE)",
    ),
    "TABLE_REFERENCE:cycle": T(
        "{where}: enheten står under sig själv via {path} (TABLE_REFERENCE)",
        "{where}: the unit stands under itself through {path} (TABLE_REFERENCE)",
    ),
    "MAPPING_INVALID:unreadable": T(
        "mappningen {source} kan inte läsas: {reason} (MAPPING_INVALID)",
        "the mapping {source} cannot be read: {reason} (MAPPING_INVALID)",
    ),
    "MAPPING_INVALID:too-large": T(
        "mappningen {source} är större än {limit} byte (MAPPING_INVALID)",
        "the mapping {source} is larger than {limit} bytes (MAPPING_INVALID)",
    ),
    "MAPPING_INVALID:too-deep": T(
        "mappningen {source} är nästlad djupare än {limit} nivåer (MAPPING_INVALID)",
        "the mapping {source} nests deeper than {limit} levels (MAPPING_INVALID)",
    ),
    "MAPPING_INVALID:not-yaml": T(
        "mappningen {source} är inte YAML: {problem} (MAPPING_INVALID)",
        "the mapping {source} is not YAML: {problem} (MAPPING_INVALID)",
    ),
    "MAPPING_INVALID:not-a-mapping": T(
        "mappningen {source} ska vara en YAML-mappning med columns, constants, values, sheet, header_row "
        "(MAPPING_INVALID)",
        "the mapping {source} must be a YAML mapping of columns, constants, values, sheet, header_row "
        "(MAPPING_INVALID)",
    ),
    "MAPPING_INVALID:unknown": T(
        "mappningen {source} har okända nycklar: {names} (MAPPING_INVALID)",
        "the mapping {source} has unknown keys: {names} (MAPPING_INVALID)",
    ),
    "MAPPING_INVALID:texts": T(
        "i mappningen {source} ska '{name}' para ihop fält med text (MAPPING_INVALID)",
        "in the mapping {source}, '{name}' must pair fields with text (MAPPING_INVALID)",
    ),
    "MAPPING_INVALID:values": T(
        "i mappningen {source} ska 'values' para ihop fält med tabeller av värden (MAPPING_INVALID)",
        "in the mapping {source}, 'values' must pair fields with tables of values (MAPPING_INVALID)",
    ),
    "MAPPING_INVALID:sheet": T(
        "i mappningen {source} ska 'sheet' vara ett blads namn (MAPPING_INVALID)",
        "in the mapping {source}, 'sheet' must be a sheet's name (MAPPING_INVALID)",
    ),
    "MAPPING_INVALID:header-row": T(
        "i mappningen {source} ska 'header_row' vara ett radnummer 1–100 (MAPPING_INVALID)",
        "in the mapping {source}, 'header_row' must be a row number 1–100 (MAPPING_INVALID)",
    ),
    "MAPPING_INVALID:both": T(
        "i mappningen {source} har fältet '{field}' både en kolumn och en konstant (MAPPING_INVALID)",
        "in the mapping {source}, the field '{field}' has both a column and a constant (MAPPING_INVALID)",
    ),
    "MAPPING_INVALID:field": T(
        "mappningen nämner fält som inte finns: {names}; fälten är {fields} (MAPPING_INVALID)",
        "the mapping names fields that do not exist: {names}; the fields are {fields} (MAPPING_INVALID)",
    ),
    "DELEGATES_UNMATCHED": T(
        "{count} delegater motsvarar ingen befattning i {board} {day}; ingenting registrerades "
        "(DELEGATES_UNMATCHED):",
        "{count} delegates match no post in {board} on {day}; nothing was recorded (DELEGATES_UNMATCHED):",
    ),
    "DELEGATES_UNMATCHED:none": T(
        "{where}: ingen befattning heter '{title}'", "{where}: no post is titled '{title}'"
    ),
    "DELEGATES_UNMATCHED:several": T(
        "{where}: flera befattningar heter '{title}': {positions}",
        "{where}: several posts are titled '{title}': {positions}",
    ),
}


# --- rendering ---------------------------------------------------------------------------

_language: ContextVar[str] = ContextVar("orgchange_language", default=DEFAULT_LANGUAGE)


def current_language() -> str:
    """The language of what is being done now (a request, a command)."""
    return _language.get()


@contextmanager
def speaking(language: str) -> Iterator[None]:
    """Renders every `Text` in `language` while inside (one request, one command)."""
    if language not in LANGUAGES:
        raise ValueError(f"not a language of the register: {language!r}")
    token = _language.set(language)
    try:
        yield
    finally:
        _language.reset(token)


def set_language(language: str) -> None:
    """For the whole of what is being done now (a command line run): `speaking` without an end."""
    if language not in LANGUAGES:
        raise ValueError(f"not a language of the register: {language!r}")
    _language.set(language)


def code_of(key: str) -> str:
    """The public code a message key belongs to: the part before the colon."""
    return key.split(":", 1)[0]


@dataclass(frozen=True)
class Text:
    """A message not yet in words: a key of `MESSAGES` and its parameters."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.key not in MESSAGES:
            raise KeyError(f"no message {self.key!r} in the catalogue")

    @property
    def code(self) -> str:
        return code_of(self.key)

    def render(self, language: str | None = None) -> str:
        language = language or current_language()
        values = {name: _rendered(value, language) for name, value in self.params.items()}
        return MESSAGES[self.key].in_language(language).format_map(values)

    def __str__(self) -> str:
        return self.render()


def text(key: str, /, **params: Any) -> Text:
    """The message `key` with its parameters, rendered where it is shown."""
    return Text(key, params)


def a_kind(kind: str) -> Text:
    """A kind of unit (or 'position', 'delegation') with its article: 'a board', 'en nämnd'."""
    return (
        text(f"in-effect:{kind}")
        if f"in-effect:{kind}" in MESSAGES
        else text("in-effect:unknown-kind", kind=kind)
    )


def _rendered(value: Any, language: str) -> str:
    if isinstance(value, Text):
        return value.render(language)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(_rendered(part, language) for part in value)
    shown = str(value)
    # Half of a surrogate pair (JSON's "\ud800" alone, in an id or a key the message repeats)
    # is shown as U+FFFD: no answer could be encoded as UTF-8 with it.
    return shown if shown.isascii() else _LONE_SURROGATE.sub("\ufffd", shown)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def render(message: str | Text, language: str | None = None) -> str:
    """A message in words: a `Text` in `language` (default: the current one); plain text as it is."""
    return message.render(language) if isinstance(message, Text) else message
