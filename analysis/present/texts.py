"""Every text a person reads, in Swedish (first) and English, and number formatting per language."""

from __future__ import annotations

import math

import numpy as np

from analysis.economics.scenario import SOURCES
from analysis.settings import get_setting

LANGUAGES = ("sv", "en")

TEXTS: dict[str, tuple[str, str]] = {
    "app.title": ("Uppföljning av intensiv hemrehabilitering", "Follow-up of intensive home rehabilitation"),
    "lang.label": ("Språk / Language", "Språk / Language"),
    "demo.banner": (
        "Syntetiska demodata: påhittade personer, framtagna för att likna Eskilstunas publicerade "
        "tvåårsresultat. Inga slutsatser om verkliga personer kan dras.",
        "Synthetic demo data: invented people, generated to resemble Eskilstuna's published two-year "
        "results. No conclusions about real people can be drawn.",
    ),
    "nav.overview": ("Översikt", "Overview"),
    "sidebar.study": ("Studie", "Study"),
    "sidebar.hours_measure": ("Timmar", "Hours"),
    "measure.name.granted": ("Beviljad tid", "Granted time"),
    "measure.name.performed": ("Utförd tid", "Performed time"),
    "measure.name.unknown": ("Okänt slag", "Unknown kind"),
    "measure.both": (
        "Studien har både beviljad och utförd tid; välj i sidopanelen vilken som visas. Kostnadssidan räknar med "
        "beviljad tid, eftersom timkostnaden gäller en beviljad timme.",
        "The study holds both granted and performed time; choose in the sidebar which is shown. The costs page "
        "uses granted time, as the hour cost is per granted hour.",
    ),
    "complete.measures": (
        "Varje mått är komplett t.o.m.: {months}. Analyserna slutar vid det tidigaste, så att båda måtten "
        "gäller samma personer och månader.",
        "Each measure is complete through: {months}. The analyses end at the earliest, so that both measures "
        "cover the same people and months.",
    ),
    "sidebar.filters": ("Urval", "Filters"),
    "sidebar.sex": ("Kön", "Sex"),
    "sidebar.application_type": ("Typ av ansökan", "Application type"),
    "sidebar.district": ("Distrikt", "District"),
    "sidebar.all": ("Alla (inget val)", "All (none chosen)"),
    "sidebar.month": ("Uppföljningsmånad", "Follow-up month"),
    "sex.F": ("Kvinnor", "Women"),
    "sex.M": ("Män", "Men"),
    "application_type.new": ("Ny ansökan", "New application"),
    "application_type.extended": ("Utökad insats", "Extended care"),
    "arm.intervention": ("Intensiv hemrehabilitering", "Intensive home rehabilitation"),
    "arm.control": ("Ordinarie hemtjänst", "Ordinary home care"),
    "band.all": ("Alla åldrar", "All ages"),
    "district.unknown": ("(okänt)", "(unknown)"),
    "overview.randomized": ("Randomiserade personer", "People randomized"),
    "overview.hours": (
        "Hemtjänsttimmar per månad i månad {month}, bland dem som bor kvar hemma",
        "Home-care hours per month in month {month}, among those still living at home",
    ),
    "overview.hours_note": (
        "Ett sekundärt utfall: medelvärde med 95 % konfidensintervall bland dem som bor kvar hemma och följs "
        "upp i månaden, en grupp som har valts ut efter randomiseringen (inte alla randomiserade). "
        "Skillnad = intervention minus kontroll (Welchs t-test).",
        "A secondary outcome: mean with 95% confidence interval among people living at home and followed in "
        "that month, a group selected after randomization (not everyone randomized). "
        "Difference = intervention minus control (Welch's t-test).",
    ),
    "overview.trajectory": ("Timmar per månad över uppföljningen", "Hours per month over follow-up"),
    "overview.trajectory_band": ("Åldersgrupp i diagrammet", "Age band in the chart"),
    "complete.note": (
        "Data kompletta t.o.m. {month}. Senare månader (till {end}) registreras fortfarande och är utelämnade ur "
        "alla jämförelser, så att de inte ser ut som en minskning av timmarna.",
        "Data complete through {month}. Later months (to {end}) are still being registered and are left out of "
        "every comparison, so that they do not look like a fall in hours.",
    ),
    "complete.marked": (
        "Ringade punkter i kurvan: uppföljningsmånader där vissa personers kalendermånad ännu inte är komplett; "
        "de är utelämnade, så punkten bygger på färre personer.",
        "Circled points on the curve: follow-up months where some people's calendar month is not complete yet; "
        "they are left out, so the point rests on fewer people.",
    ),
    "complete.legend": ("Vissa personer utelämnade (ofullständig månad)", "Some people left out (incomplete month)"),
    "overview.placement": ("Flytt till särskilt boende", "Moves into a nursing home"),
    "overview.placement_note": (
        "Andel av de randomiserade som flyttat till särskilt boende under uppföljningen, med 95 % "
        "konfidensintervall (Wilson). Enkel andel: den tar inte hänsyn till att den som dör inte kan flytta.",
        "Share of those randomized who moved into a nursing home during follow-up, with 95% confidence "
        "interval (Wilson). A crude share: it does not account for death preventing a move.",
    ),
    "overview.interaction": (
        "Test av om skillnaden varierar mellan åldersgrupperna (interaktion arm × åldersgrupp, Welch–James-test "
        "utan antagande om lika varians, på timskalan): "
        "p {p}. Resultat per åldersgrupp är subgruppsanalyser och ska läsas med försiktighet.",
        "Test of whether the difference varies between age bands (arm × band interaction, Welch–James test "
        "without assuming equal variances, on the hours scale): "
        "p {p}. Results per age band are subgroup analyses and must be read with care.",
    ),
    "overview.suppressed": (
        "'..' = dolt: färre än {t} personer, 1–{t1} händelser (eller alla utom så många), alla med samma värde, "
        "eller för att en liten grupp annars skulle gå att räkna fram (i denna tabell, en annan tabell på sidan "
        "eller ett annat urval). Skälet per rad står under tabellerna med en rad per åldersgrupp.",
        "'..' = hidden: fewer than {t} people, 1–{t1} events (or all but so many), everyone with the same value, "
        "or because a small group could otherwise be worked out (in this table, another table on the page or "
        "another selection). The reason per row is given under the tables with a row per age band.",
    ),
    "overview.outside_bands": (
        "{n} personer är utanför åldersgrupperna och ingår bara i 'Alla åldrar'.",
        "{n} people fall outside the age bands and count only in 'All ages'.",
    ),
    "reading.clear_lower": (
        "{band}: {est} färre timmar per månad med intensiv hemrehabilitering (95 % KI {lo} till {hi}), bland dem "
        "som bor kvar hemma.",
        "{band}: {est} fewer hours a month with intensive home rehabilitation (95% CI {lo} to {hi}), among those "
        "still living at home.",
    ),
    "reading.clear_higher": (
        "{band}: {est} fler timmar per månad med intensiv hemrehabilitering (95 % KI {lo} till {hi}), bland dem "
        "som bor kvar hemma.",
        "{band}: {est} more hours a month with intensive home rehabilitation (95% CI {lo} to {hi}), among those "
        "still living at home.",
    ),
    "reading.unclear": (
        "{band}: ingen tydlig skillnad bland dem som bor kvar hemma: {est} timmar per månad, men intervallet "
        "({lo} till {hi} timmar, 95 % KI) rymmer både färre och fler timmar. Det betyder inte att insatsen saknar "
        "effekt.",
        "{band}: no clear difference among those still living at home: {est} hours a month, but the interval "
        "({lo} to {hi} hours, 95% CI) includes both fewer and more hours. That does not mean the intervention has "
        "no effect.",
    ),
    "reading.hidden": ("{band}: för få personer för att visa.", "{band}: too few people to show."),
    "reading.hidden.few_people": (
        "{band}: dolt, färre än {t} personer i en arm.",
        "{band}: hidden, fewer than {t} people in an arm.",
    ),
    "reading.hidden.few_events": (
        "{band}: dolt, 1–{t1} händelser (flyttar eller dödsfall) i en arm, eller alla utom 1–{t1}.",
        "{band}: hidden, 1–{t1} events (moves or deaths) in an arm, or all but 1–{t1}.",
    ),
    "reading.hidden.dominated": (
        "{band}: dolt, en person står för mer än hälften av en arms summa (medelvärdet skulle nästan visa hens).",
        "{band}: hidden, one person accounts for over half an arm's total (the mean would nearly show theirs).",
    ),
    "reading.hidden.uniform": (
        "{band}: dolt, alla i en arm har samma värde (medelvärdet skulle visa var och ens).",
        "{band}: hidden, everyone in an arm has the same value (the mean would show each person's).",
    ),
    "reading.hidden.differencing": (
        "{band}: dolt, annars kunde en liten grupp räknas fram genom att jämföra med ett annat urval.",
        "{band}: hidden, or a small group could be worked out by comparing with another selection.",
    ),
    "reading.hidden.protects_other": (
        "{band}: dolt för att skydda en annan, liten grupp i samma tabell eller på sidan (den kunde annars "
        "räknas fram).",
        "{band}: hidden to protect another, small group in the same table or on the page (it could be worked "
        "out otherwise).",
    ),
    "cannot.rows": ("Kan inte skattas: {rows}.", "Cannot be estimated: {rows}."),
    "cannot.warned": ("Modellen varnade: {rows}.", "The model warned: {rows}."),
    "reason.too_few": ("för få personer i en arm för metoden", "too few people in an arm for the method"),
    "reason.no_spread": (
        "alla har samma värde inom armarna, så ett intervall skulle sakna bredd",
        "everyone has the same value within the arms, so an interval would have no width",
    ),
    "reason.not_finite": ("ett värde saknas eller är oändligt", "a value is missing or infinite"),
    "reason.fit_failed": (
        "modellen går inte att anpassa till dessa data (singulär eller konvergerar inte)",
        "the model cannot be fitted to these data (singular or not converging)",
    ),
    "reason.no_events": (
        "en arm har inga händelser, så kvoten går mot 0 eller oändligheten",
        "an arm has no events, so the ratio runs to 0 or infinity",
    ),
    "hidden.rows": ("Dolda rader: {rows}.", "Hidden rows: {rows}."),
    "hidden.reason.few_people": ("färre än {t} personer", "fewer than {t} people"),
    "hidden.reason.few_events": (
        "1–{t1} händelser, eller alla utom 1–{t1}",
        "1–{t1} events, or all but 1–{t1}",
    ),
    "hidden.reason.uniform": ("alla har samma värde", "everyone has the same value"),
    "hidden.reason.differencing": ("skydd mot jämförelse mellan urval", "protects against comparing selections"),
    "hidden.reason.protects_other": ("skyddar en annan liten grupp", "protects another small group"),
    "hidden.reason.dominated": ("en person står för mer än hälften", "one person accounts for over half"),
    "hidden.perturbed": (
        "Antalen i ett filtrerat urval har ett litet fast brus (högst ±2, cellnyckelmetoden som SCB och ONS "
        "använder): samma personer ger alltid samma tal, men två urval kan inte dras från varandra för att "
        "avslöja någon. Medelvärden och skillnader är avrundade som de visas, och intervallen räknas med "
        "de brusade antalen.",
        "Counts in a filtered selection carry a small fixed noise (at most ±2, the cell key method used by "
        "Statistics Sweden and ONS): the same people always give the same number, but two selections cannot "
        "be subtracted to reveal anyone. Means and differences are rounded as displayed, and the intervals "
        "are computed with the noisy counts.",
    ),
    "col.age_band": ("Åldersgrupp", "Age band"),
    "col.n_intervention": ("Antal, intervention", "n, intervention"),
    "col.n_control": ("Antal, kontroll", "n, control"),
    "col.mean_intervention": ("Medel, intervention (95 % KI)", "Mean, intervention (95% CI)"),
    "col.mean_control": ("Medel, kontroll (95 % KI)", "Mean, control (95% CI)"),
    "col.difference": ("Skillnad (95 % KI)", "Difference (95% CI)"),
    "col.p_value": ("p-värde", "p-value"),
    "col.arm": ("Grupp", "Arm"),
    "col.n": ("Antal", "n"),
    "col.n_placed": ("Flyttat till särskilt boende", "Moved into a nursing home"),
    "col.share_placed": ("Andel (95 % KI)", "Share (95% CI)"),
    "col.n_died": ("Avlidna", "Died"),
    "col.month": ("Månad efter randomisering", "Month after randomization"),
    "col.hours": ("Timmar per månad", "Hours per month"),
    "definitions.title": ("Definitioner", "Definitions"),
    "definitions.body": (
        "- Uppföljningsmånad k är kalendermånaden k månader efter randomiseringsmånaden (månad 0).\n"
        "- En månad utan rad med timmar räknas som 0 timmar så länge personen bor hemma och följs upp.\n"
        "- Den som har avlidit, flyttat till särskilt boende eller lämnat uppföljningen före månad k "
        "ingår inte i jämförelsen för månad k.\n"
        "- Kostnad och dagar hemma per randomiserad person räknar alla randomiserade, vad som än hände dem "
        "(behandlingsstrategi): det är huvudsvaret.\n"
        "- Timmar i månad k jämförs bland dem som bor kvar hemma då (ett sekundärt utfall, en grupp vald efter "
        "randomiseringen); att räkna döda och flyttade som 0 timmar är en märkt känslighetsanalys.",
        "- Follow-up month k is the calendar month k months after the month of randomization (month 0).\n"
        "- A month with no hours row counts as 0 hours while the person lives at home under follow-up.\n"
        "- People who died, moved into a nursing home or left follow-up before month k are not in the "
        "month-k comparison.\n"
        "- Cost and days at home per randomized person count everyone randomized, whatever happened to them "
        "(treatment-policy strategy): that is the main answer.\n"
        "- Hours in month k are compared among those still living at home then (a secondary outcome, a group "
        "selected after randomization); counting deaths and placements as 0 hours is a labelled sensitivity "
        "analysis.",
    ),
    "error.title": ("Något gick fel", "Something went wrong"),
    "error.unexpected": (
        "Ett oväntat fel inträffade. Försök igen eller kontakta den som förvaltar verktyget.",
        "An unexpected error occurred. Try again or contact whoever maintains the tool.",
    ),
    "word.to": ("till", "to"),
    "nav.data": ("Data", "Data"),
    "nav.measures": ("Utfallsmått", "Outcome measures"),
    "measure.performed": (
        "Timmarna är utförd tid (ur tidsregistreringen).",
        "The hours are performed time (from time registration).",
    ),
    "measure.granted": (
        "Timmarna är beviljad tid (ur biståndsbesluten).",
        "The hours are granted time (from the needs assessors' decisions).",
    ),
    "measure.unknown": (
        "Det är inte angivet om timmarna är beviljad eller utförd tid.",
        "It is not stated whether the hours are granted or performed time.",
    ),
    "measure.cost_performed": (
        "KPB:s timkostnad gäller en beviljad timme; studiens timmar är utförda, och en utförd timme kostar mer "
        "(restid och administration ligger i den beviljade tiden): ändra timkostnaden i scenariot om ni vet den.",
        "KPB's hour cost is per granted hour; the study's hours are performed, and a performed hour costs more "
        "(travel and administration are in the granted time): change the hour cost in the scenario if you know it.",
    ),
    "measures.title": ("Utfallsmått vid besök", "Outcome measures at visits"),
    "measures.none": (
        "Studien har inga mätningar. Importera en mätfil (EQ-5D, ADL, ensamhet …) på Data-sidan eller med "
        "`python -m analysis import ... --measurements FIL`.",
        "The study has no measurements. Import a measurements file (EQ-5D, ADL, loneliness …) on the Data page or "
        "with `python -m analysis import ... --measurements FILE`.",
    ),
    "measures.instrument": ("Instrument", "Instrument"),
    "measures.estimand": (
        "Vad siffrorna säger: bland randomiserade som mättes vid besöket, medelvärdet per arm och skillnaden "
        "(intervention minus kontroll), också justerad för värdet vid start (ANCOVA). Döda och missade besök är "
        "saknade, aldrig 0. Det primära värdet är ANCOVA vid sista besöket inom analysplanens fönster. Skattningen "
        "förutsätter att vem som saknas, givet arm och startvärde, inte hänger ihop med värdet personen skulle ha "
        "haft (MAR). Om de sjukaste oftare missar besök kan skillnaden bli för stor eller för liten: jämför med "
        "antalet mätta per besök nedan.",
        "What the figures say: among randomized people measured at the visit, the mean per arm and the difference "
        "(intervention minus control), also adjusted for the value at the start (ANCOVA). Deaths and missed visits "
        "are missing, never 0. The primary figure is the ANCOVA at the last visit within the analysis plan's "
        "window. The estimate assumes that who is missing, given arm and starting value, is unrelated to the value "
        "they would have had (MAR). If the sickest miss visits more often the difference may be too large or too "
        "small: compare with the number measured per visit below.",
    ),
    "measures.direction_up": ("Högre värden är bättre ({unit}).", "Higher values are better ({unit})."),
    "measures.direction_down": ("Lägre värden är bättre ({unit}).", "Lower values are better ({unit})."),
    "measures.source": ("Källa: {source}.", "Source: {source}."),
    "measures.chart": ("Medelvärde per arm och besök (95 % KI)", "Mean per arm and visit (95% CI)"),
    "measures.band": ("Åldersgrupp i diagram och tabell", "Age band in the chart and table"),
    "measures.table": (
        "Per besök: antal, medelvärden, förändring och skillnad",
        "Per visit: counts, means, change and difference",
    ),
    "measures.change_note": (
        "Förändring från start visas inom varje arm: om båda grupperna förbättras är det skillnaden mellan dem som "
        "är insatsens effekt, inte förbättringen i sig.",
        "Change from the start is shown within each arm: if both groups improve, the difference between them is the "
        "intervention's effect, not the improvement itself.",
    ),
    "measures.fit_repeated": (
        "Skatta modellen för upprepade mätningar (tar en stund i stora studier)",
        "Fit the repeated-measures model (takes a while in large studies)",
    ),
    "measures.repeated": ("Upprepade mätningar över besöken", "Repeated measures over the visits"),
    "measures.repeated_note": (
        "GEE med utbytbar arbetskorrelation och robusta standardfel, startvärdet som kovariat; 'medel' är "
        "medelskillnaden över besöken från månad 6.",
        "GEE with an exchangeable working correlation and robust standard errors, the starting value as a "
        "covariate; 'average' is the mean difference over visits from month 6.",
    ),
    "measures.interaction": (
        "Skiljer sig effekten mellan åldersgrupperna (månad {visit})? Test av lika skillnader: p {p}. Ett lågt "
        "p-värde är en signal att granska, inte ett bevis för en grupps effekt.",
        "Does the effect differ between the age bands (month {visit})? Test of equal differences: p {p}. A low "
        "p-value is a signal to examine, not proof of one band's effect.",
    ),
    "reading.measure.lower": (
        "{band}, {instrument} månad {visit}: {est} lägre med intensiv hemrehabilitering (95 % KI {lo} till {hi}), "
        "justerat för startvärdet, bland dem som mättes.",
        "{band}, {instrument} at month {visit}: {est} lower with intensive home rehabilitation (95% CI {lo} to "
        "{hi}), adjusted for the starting value, among those measured.",
    ),
    "reading.measure.higher": (
        "{band}, {instrument} månad {visit}: {est} högre med intensiv hemrehabilitering (95 % KI {lo} till {hi}), "
        "justerat för startvärdet, bland dem som mättes.",
        "{band}, {instrument} at month {visit}: {est} higher with intensive home rehabilitation (95% CI {lo} to "
        "{hi}), adjusted for the starting value, among those measured.",
    ),
    "reading.measure.unclear": (
        "{band}, {instrument} månad {visit}: ingen tydlig skillnad: {est}, men intervallet ({lo} till {hi}, 95 % "
        "KI) rymmer både lägre och högre värden. Det betyder inte att insatsen saknar effekt.",
        "{band}, {instrument} at month {visit}: no clear difference: {est}, but the interval ({lo} to {hi}, 95% "
        "CI) holds both lower and higher values. That does not mean the intervention has no effect.",
    ),
    "col.average": ("medel", "average"),
    "col.visit": ("Besök (månad)", "Visit (month)"),
    "col.measured": ("Mätta I / K", "Measured I / C"),
    "col.died_before": ("Döda före besöket I / K", "Died before the visit I / C"),
    "col.change_intervention": ("Förändring från start, intervention", "Change from start, intervention"),
    "col.change_control": ("Förändring från start, kontroll", "Change from start, control"),
    "col.ancova": ("Skillnad justerad för start (95 % KI)", "Difference adjusted for start (95% CI)"),
    "col.qaly_difference": ("QALY-skillnad (95 % KI)", "QALY difference (95% CI)"),
    "col.qaly_intervention": ("QALY, intervention", "QALYs, intervention"),
    "col.qaly_control": ("QALY, kontroll", "QALYs, control"),
    "col.cost_increment": (
        "Kostnadsskillnad inkl. insatsen, kr (95 % KI)",
        "Cost difference incl. the intervention, SEK (95% CI)",
    ),
    "col.icer": ("Kr per vunnet QALY", "SEK per QALY gained"),
    "col.p_ce_500k": (
        "Sannolikhet kostnadseffektiv vid 500 000 kr/QALY",
        "Probability cost-effective at 500,000 SEK/QALY",
    ),
    "qaly.title": (
        "Kvalitetsjusterade levnadsår (QALY) och kostnad per QALY",
        "Quality-adjusted life years (QALYs) and cost per QALY",
    ),
    "qaly.none": (
        "Ingen nyttovikt (EQ-5D-index) i studien: QALY kan inte räknas.",
        "No utility (EQ-5D index) in the study: QALYs cannot be computed.",
    ),
    "qaly.note": (
        "QALY = ytan under EQ-5D-kurvan från randomisering till fönstrets slut ({months} månader): linjärt mellan "
        "besök, första värdet före och sista efter, 0 från dödsdagen; de som lämnat uppföljningen tidigt vägs bort "
        "(IPCW). Skillnaden justeras för EQ-5D vid start (Manca m.fl. 2005). Kostnaden är vårdkostnaden per "
        "randomiserad person plus insatsens egen kostnad, {cost} kr per deltagare ({source}). Ej diskonterat. "
        "Kostnader och QALY dras om tillsammans (bootstrap).",
        "QALYs = the area under the EQ-5D curve from randomization to the window's end ({months} months): linear "
        "between visits, the first value before and the last after, 0 from the day of death; those who left "
        "follow-up early are weighted out (IPCW). The difference is adjusted for EQ-5D at the start (Manca et al. "
        "2005). The cost is the care cost per randomized person plus the intervention's own cost, {cost} SEK per "
        "participant ({source}). Not discounted. Costs and QALYs are resampled together (bootstrap).",
    ),
    "qaly.source_assumption": (
        "antagande: ingen publicerad kostnad för IHR-teamet",
        "assumption: no published cost of the IHR team",
    ),
    "qaly.quadrant.dominant": ("skattningen: fler QALY till lägre kostnad", "the estimate: more QALYs at a lower cost"),
    "qaly.quadrant.dominated": (
        "skattningen: färre QALY till högre kostnad",
        "the estimate: fewer QALYs at a higher cost",
    ),
    "qaly.quadrant.more_costly_more_effective": ("{icer} kr per vunnet QALY", "{icer} SEK per QALY gained"),
    "qaly.quadrant.cheaper_less_effective": ("{icer} kr sparade per förlorat QALY", "{icer} SEK saved per QALY lost"),
    "reading.qaly": (
        "{band}: med intensiv hemrehabilitering {qaly_phrase} och {cost_phrase} per person, insatsen inräknad. "
        "Skillnader (intervention minus ordinarie hemtjänst): {qaly} QALY (95 % KI {qlo} till {qhi}) och {cost} kr "
        "(95 % KI {clo} till {chi}). Sannolikheten att insatsen är kostnadseffektiv vid 500 000 kr per QALY: {p} %.",
        "{band}: with intensive home rehabilitation {qaly_phrase} and {cost_phrase} per person, the intervention "
        "included. Differences (intervention minus ordinary home care): {qaly} QALYs (95% CI {qlo} to {qhi}) and "
        "{cost} SEK (95% CI {clo} to {chi}). The probability that the intervention is cost-effective at 500,000 SEK "
        "per QALY: {p}%.",
    ),
    "reading.qaly.more": ("fler QALY", "more QALYs"),
    "reading.qaly.fewer": ("färre QALY", "fewer QALYs"),
    "reading.qaly.unclear": ("ingen tydlig skillnad i QALY", "no clear difference in QALYs"),
    "reading.ce_cost.more": ("högre kostnad", "a higher cost"),
    "reading.ce_cost.fewer": ("lägre kostnad", "a lower cost"),
    "reading.ce_cost.unclear": ("ingen tydlig skillnad i kostnad", "no clear difference in cost"),
    "qaly.plane": ("Kostnadseffektivitetsplanet (alla åldrar)", "The cost-effectiveness plane (all ages)"),
    "qaly.plane_note": (
        "Varje punkt är en omdragning: QALY-skillnad (x) och kostnadsskillnad (y). Punkter nere till höger: fler "
        "QALY till lägre kostnad. Linjen är 500 000 kr per QALY; punkter under den är kostnadseffektiva vid den "
        "betalningsviljan.",
        "Each point is a resample: QALY difference (x) and cost difference (y). Points at the bottom right: more "
        "QALYs at a lower cost. The line is 500,000 SEK per QALY; points below it are cost-effective at that "
        "willingness to pay.",
    ),
    "qaly.line": ("500 000 kr per QALY", "500,000 SEK per QALY"),
    "qaly.x": ("QALY-skillnad per person", "QALY difference per person"),
    "qaly.y": ("Kostnadsskillnad per person, kr", "Cost difference per person, SEK"),
    "qaly.curve": (
        "Sannolikhet att insatsen är kostnadseffektiv",
        "Probability that the intervention is cost-effective",
    ),
    "qaly.wtp": ("Betalningsvilja, kr per QALY", "Willingness to pay, SEK per QALY"),
    "qaly.tlv": ("TLV:s praxis 0,5–1 Mkr", "TLV practice 0.5–1 MSEK"),
    "qaly.curve_note": (
        "Vid betalningsvilja 0 är kurvan sannolikheten att insatsen sparar pengar. Det skuggade området är vad TLV "
        "i praktiken har godtagit (omkring 0,5 Mkr per QALY vid måttlig och upp till 1 Mkr vid mycket hög "
        "svårighetsgrad; Läkartidningen 2018).",
        "At a willingness to pay of 0 the curve is the probability that the intervention saves money. The shaded "
        "range is what TLV has accepted in practice (about 0.5 MSEK per QALY at moderate and up to 1 MSEK at very "
        "high severity; Läkartidningen 2018).",
    ),
    "power.title": ("Planera nästa studie", "Plan the next trial"),
    "power.intro": (
        "Hur många behöver randomiseras för att upptäcka en vald skillnad? Spridning, korrelation med startvärdet "
        "och bortfall hämtas ur den här studien.",
        "How many must be randomized to detect a chosen difference? Spread, correlation with the starting value and "
        "attrition are taken from this study.",
    ),
    "power.outcome": ("Utfall", "Outcome"),
    "power.visits": (
        "Medel av {visits} besök efter start, korrelation mellan två besök {within}.",
        "Mean of {visits} visits after the start, correlation between two visits {within}.",
    ),
    "power.outcome.hours": ("hemtjänsttimmar per månad", "home-care hours a month"),
    "power.outcome.cost": ("vårdkostnad per person (kr)", "care cost per person (SEK)"),
    "power.difference": ("Skillnad att upptäcka", "Difference to detect"),
    "power.month": ("Månad (timmar, mått) eller fönster (kostnad)", "Month (hours, measures) or window (cost)"),
    "power.level": ("Styrka", "Power"),
    "power.alpha": ("Signifikansnivå (tvåsidig)", "Significance level (two-sided)"),
    "power.compute": ("Beräkna", "Compute"),
    "power.design": ("Analys", "Analysis"),
    "power.design.ttest": ("jämförelse av medelvärden (t-test)", "comparison of means (t-test)"),
    "power.design.ancova": ("justerat för startvärdet (ANCOVA)", "adjusted for the starting value (ANCOVA)"),
    "power.design.repeated": ("medel av upprepade besök", "mean of repeated visits"),
    "power.n": ("Med utfall per arm", "With the outcome per arm"),
    "power.randomize": ("Randomisera per arm", "Randomize per arm"),
    "power.about": ("cirka {n}", "about {n}"),
    "qaly.cannot_estimate": (
        "{band}: QALY kan inte skattas: en arm saknar personer med livskvalitetsmätningar att jämföra.",
        "{band}: QALYs cannot be estimated: an arm has no people with quality-of-life measurements to compare.",
    ),
    "qaly.resamples_left_out": (
        "{band}: {n} omdragningar kunde inte skattas (för få värden vid start i dem) och är utelämnade ur intervallet.",
        "{band}: {n} resamples could not be fitted (too few starting values in them) and are left out of the interval.",
    ),
    "chart.hidden": ("..", ".."),
    "stamp.perturbed": (
        "antalen i urvalet har ett litet fast brus (högst ±2, cellnyckelmetoden) och medelvärdena är avrundade",
        "the selection's counts carry a small fixed noise (at most ±2, the cell key method) and means are rounded",
    ),
    "chart.hidden_legend": (".. = dolt (skälet står under tabellen)", ".. = hidden (the reason is under the table)"),
    "chart.hidden_deck": (
        ".. = dolt: för få personer eller händelser (skälet står i texten)",
        ".. = hidden: too few people or events (the reason is in the text)",
    ),
    "chart.hidden_hover": ("Dolt: skälet står under tabellen", "Hidden: the reason is under the table"),
    "chart.hidden_curve": ("{arm}: kurvan är dold (..)", "{arm}: the curve is hidden (..)"),
    "power.inputs": (
        "Ur studien ({band}, {n} personer med utfallet av {randomized} randomiserade): SD {sd}, korrelation med "
        "startvärdet {rho}, bortfall {attrition} %.",
        "From the study ({band}, {n} people with the outcome of {randomized} randomized): SD {sd}, correlation with "
        "the starting value {rho}, attrition {attrition}%.",
    ),
    "nav.presentation": ("Presentation", "Presentation"),
    "slides.choose": ("Bild", "Slide"),
    "slides.previous": ("◀ Föregående", "◀ Previous"),
    "slides.next": ("Nästa ▶", "Next ▶"),
    "slides.more": ("Åldersgrupperna och metoden", "The age bands and the method"),
    "slides.leave": ("Lämna presentationen (till Översikt)", "Leave the presentation (to the Overview)"),
    "slides.export": ("Ladda ned underlaget (PowerPoint, PDF)", "Download the briefing (PowerPoint, PDF)"),
    "slides.download_pptx": ("Ladda ned underlaget som PowerPoint", "Download the briefing as PowerPoint"),
    "slides.download_pdf": ("Ladda ned underlaget som PDF", "Download the briefing as PDF"),
    "slides.hours": (
        "Hemtjänsttimmar per månad efter {month} månader, bland dem som bor kvar hemma",
        "Home-care hours a month after {month} months, among those still living at home",
    ),
    "slides.placement": (
        "Flytt till särskilt boende inom {month} månader",
        "Moves into a nursing home within {month} months",
    ),
    "slides.money": (
        "Pengarna: effekter från studien, exempelkostnader",
        "The money: effects from the study, example costs",
    ),
    "deck.warning": (
        "Syntetiska demodata – inga slutsatser om verkliga personer",
        "Synthetic demo data – no conclusions about real people",
    ),
    "deck.stamp_short": (
        "{study} · dataversion {version} · {date} · hela stämpeln och metoden i anteckningarna",
        "{study} · data version {version} · {date} · full stamp and method in the notes",
    ),
    "deck.notes_bands": ("Åldersgrupperna", "The age bands"),
    "deck.notes_method": ("Metod", "Method"),
    "deck.notes_stamp": ("Stämpel", "Stamp"),
    "deck.subtitle": ("Underlag för nämnden, {date}", "Briefing for the board, {date}"),
    "deck.hours_axis": ("Timmar per månad", "Hours a month"),
    "deck.cost_axis": ("Vårdkostnad per person, tkr", "Care cost per person, SEK thousand"),
    "deck.days_axis": ("Dagar hemma per person", "Days at home per person"),
    "deck.placement_axis": ("Flyttat till särskilt boende, %", "Moved into a nursing home, %"),
    "deck.money_axis": ("Kumulativt netto, Mkr", "Cumulative net, MSEK"),
    "unit.million": ("Mkr", "MSEK"),
    "deck.money_series": ("Kumulativt netto (odiskonterat)", "Cumulative net (undiscounted)"),
    "deck.year": ("År {year}", "Year {year}"),
    "slides.interaction": (
        "Skillnaden mellan åldersgrupperna är {verdict} (interaktionstest p {p}); resultat per grupp är "
        "subgruppsanalyser.",
        "The difference between age bands is {verdict} (interaction test p {p}); band results are subgroup analyses.",
    ),
    "slides.interaction.clear": ("tydlig", "clear"),
    "slides.interaction.unclear": ("inte säkerställd", "not established"),
    "slides.share": ("{arm}: {value} %", "{arm}: {value}%"),
    "nav.costs": ("Kostnader", "Costs"),
    "costs.title": ("Kostnader och budgetpåverkan", "Costs and budget impact"),
    "costs.scenario": ("Scenario", "Scenario"),
    "costs.scenario.example": ("Exempel (tryck in egna värden)", "Example (type your own values)"),
    "costs.scenario.study": ("Effekter från studien", "Effects from the study"),
    "costs.scenario.eskilstuna": ("Eskilstuna som publicerat", "Eskilstuna as published"),
    "costs.inputs": ("Antaganden (enhet, källa, år)", "Inputs (unit, source, year)"),
    "costs.net": ("Nettobesparing på {years} år, nuvärde", "Net savings over {years} years, present value"),
    "costs.payback": ("Betalat sig efter", "Paid for itself after"),
    "costs.months": ("{m} månader", "{m} months"),
    "costs.never": ("inte inom perioden", "not within the horizon"),
    "costs.probability": ("Sannolikhet att spara pengar", "Probability of saving money"),
    "costs.cumulative": (
        "Ackumulerad nettobesparing (odiskonterad, som i en budget) med 95 % osäkerhetsintervall",
        "Cumulative net savings (undiscounted, as in a budget) with 95% uncertainty interval",
    ),
    "costs.present_value": (
        "Nuvärde av nettot: {pv} Mkr med {rate} % diskonteringsränta ({pv0} Mkr med 0 %, {pv5} Mkr med 5 %).",
        "Present value of the net: {pv} MSEK at a {rate}% discount rate ({pv0} MSEK at 0%, {pv5} MSEK at 5%).",
    ),
    "costs.example_costs": (
        "Kostnaderna är exemplets: insatsen {cost} kr per deltagare och {applicants} sökande per år är påhittade "
        "siffror; sätt kommunens egna på sidan Kostnader.",
        "The costs are the example's: the intervention at SEK {cost} per participant and {applicants} applicants a "
        "year are invented numbers; set the municipality's own on the Costs page.",
    ),
    "costs.invented": (
        "Exempel med påhittade siffror: resultatet visar hur modellen räknar, inte vad insatsen ger.",
        "Example with invented numbers: the result shows how the model computes, not what the intervention gives.",
    ),
    "costs.cash": (
        "En genomsnittlig kostnad (KPB, per beviljad timme och per dygn) överskattar de pengar kommunen faktiskt får "
        "tillbaka när timmar eller dygn minskar; andelen som frigörs är satt till {share}.",
        "An average cost (KPB, per granted hour and per day) overstates the cash a municipality gets back when hours "
        "or days fall; the cash-releasing share is set to {share}.",
    ),
    "costs.local": ("Er egen studie ({study}): {sentence}", "Your own study ({study}): {sentence}"),
    "costs.published": ("Publicerade resultat och påståenden, med källa", "Published results and claims, with sources"),
    "costs.drivers.study": (
        "effekterna per randomiserad person från studien (bootstrap), enhetskostnader ±{unit} %, insatsens kostnad "
        "±{cost} % och andel som deltar ±{uptake} % (variationskoefficienter)",
        "the effects per randomized person from the study (bootstrap), unit costs ±{unit}%, the intervention cost "
        "±{cost}% and the uptake ±{uptake}% (coefficients of variation)",
    ),
    "costs.drivers.manual": (
        "inskrivna effekter hålls fasta (deras osäkerhet ingår inte), enhetskostnader ±{unit} %, insatsens "
        "kostnad ±{cost} % och andel som deltar ±{uptake} % (variationskoefficienter)",
        "typed-in effects held fixed (their uncertainty is not included), unit costs ±{unit}%, the intervention "
        "cost ±{cost}% and the uptake ±{uptake}% (coefficients of variation)",
    ),
    "costs.tornado": ("Vad betyder mest? Envägs känslighetsanalys", "What matters most? One-way sensitivity"),
    "costs.tornado_note": (
        "Nuvärdet när ett antagande i taget sätts till ändarna av ett intervall som betyder något: effekter från "
        "studien sitt 95 % intervall, inskrivna effekter 0 mot värdet; kostnader och deltagande sitt 95 % "
        "intervall i osäkerhetsanalysen; diskontering 0 och 5 %; effektens varaktighet: full i 6 månader och "
        "borta 12 månader senare (effekter från studien: slut vid studiens fönster) mot en effekt som varar hela "
        "perioden. Prisindex är en konvention och varieras inte.",
        "Present value with one input at a time at the ends of a range that means something: effects from the "
        "study their 95% interval, typed-in effects 0 against the value; costs and uptake the 95% interval of the "
        "uncertainty analysis; discounting 0 and 5%; effect duration: full for 6 months and gone 12 months later "
        "(effects from the study: ended with the study's window) against an effect lasting the whole horizon. "
        "The price index is a convention and is not varied.",
    ),
    "costs.sentence": (
        "Under {years} år ger insatsen {net} Mkr i nettobesparing, i nuvärde (95 % intervall {low} till {high} "
        "Mkr). Sannolikheten att den sparar pengar är {p}, givet antagandena: {drivers}.",
        "Over {years} years the intervention gives {net} MSEK in net savings, as a present value (95% interval "
        "{low} to {high} MSEK). The probability that it saves money is {p}, given the assumptions: {drivers}.",
    ),
    "probability.above": ("mer än {p} %", "more than {p}%"),
    "probability.below": ("mindre än {p} %", "less than {p}%"),
    "probability.value": ("{p} %", "{p}%"),
    "costs.uncertain": (
        "Intervallet rymmer både besparing och förlust: det är osäkert om insatsen sparar pengar.",
        "The interval includes both savings and losses: it is uncertain whether the intervention saves money.",
    ),
    "costs.conventions": (
        "Budgetpåverkan som ISPOR redovisar den: årsraderna är odiskonterade; nuvärdet diskonterar år t med "
        "(1 + ränta)^(t − 1) (3 %, med 0 och 5 % som känslighet, TLV). Varje års deltagare börjar vid årets början "
        "och insatsens kostnad faller då; ingen besparing under insatsmånaderna, sedan full effekt under den "
        "angivna tiden och, om angivet, ett linjärt avtagande. Effekter gäller per deltagare (per randomiserad "
        "person: döda och flyttade räknas). Effekter från studien: skillnaden per randomiserad person under "
        "studiens fönster, jämnt fördelad över det; efter fönstret en kohortmodell med tre tillstånd (hemma, "
        "särskilt boende, död) skattad på studien, där insatsens skillnad upphör vid fönstret om scenariot inte "
        "säger annat. "
        "Återbetalning: första månad då det odiskonterade ackumulerade nettot är ≥ 0. Alla kostnader räknas om "
        "med prisindex till samma prisår. Osäkerhet: 10 000 dragningar, fast frö; kostnader gamma, deltagande "
        "beta, effekter från studien med bootstrap (samma omdragningar som utfallen per person).",
        "Budget impact as ISPOR reports it: yearly rows are undiscounted; the present value discounts year t by "
        "(1 + rate)^(t − 1) (3%, with 0 and 5% as sensitivity, TLV). Each year's participants start at the start "
        "of the year and the intervention cost falls then; no saving during the intervention months, then the full "
        "effect for the stated time and, if given, a linear decline. Effects are per participant (per randomized "
        "person: deaths and moves count). Effects from the study: the difference per randomized person over the "
        "study's window, spread evenly over it; after the window a three-state cohort model (home, nursing home, "
        "dead) estimated from the study, the intervention's difference ending with the window unless the "
        "scenario says otherwise. Payback: "
        "the first month the undiscounted cumulative net is ≥ 0. Every cost is brought to one price year by the "
        "price index. Uncertainty: 10,000 draws, fixed seed; costs gamma, uptake beta, effects from the study "
        "bootstrapped (the same resamples as the per-person outcomes).",
    ),
    "costs.assumptions": ("Antaganden i det förinställda scenariot", "Assumptions of the preset"),
    "costs.claim.payback_one_year": (
        "Påståendet 'betalade sig efter ett år' (en årskull)",
        "The claim 'paid for itself after one year' (one cohort)",
    ),
    "costs.claim.80_msek_a_year": (
        "Påståendet 'cirka 80 Mkr per år på sikt'",
        "The claim 'about 80 MSEK a year in the long run'",
    ),
    "costs.consistent": ("stämmer med dessa antaganden", "is consistent with these assumptions"),
    "costs.not_consistent": ("stämmer bara om något av följande gäller", "is consistent only if one of these holds"),
    "costs.claim_detail.payback_one_year": (
        "Beräknad återbetalning för en årskull: {value}. Gränsvärden: insatsen kostar högst {needed} kr per "
        "deltagare, eller effekterna är {multiple} gånger så stora.",
        "Computed payback for one cohort: {value}. Break-even: the intervention costs at most {needed} SEK per "
        "participant, or the effects are {multiple} times as large.",
    ),
    "costs.claim_detail.80_msek_a_year": (
        "Beräknat: {value} kr per år när alla årskullar är igång. Gränsvärden för 80 Mkr: cirka {needed} sökande "
        "per år med samma fördelning, eller {multiple} gånger så stora effekter.",
        "Computed: {value} SEK a year with every cohort under way. Break-even for 80 MSEK: about {needed} "
        "applicants a year in the same split, or effects {multiple} times as large.",
    ),
    "col.year": ("År", "Year"),
    "col.participants": ("Deltagare", "Participants"),
    "col.intervention_cost": ("Insatsens kostnad", "Intervention cost"),
    "col.home_care_savings": ("Besparing hemtjänst", "Home-care savings"),
    "col.nursing_home_savings": ("Besparing särskilt boende", "Nursing-home savings"),
    "col.net": ("Netto", "Net"),
    "col.cumulative_net": ("Ackumulerat netto", "Cumulative net"),
    "nav.comparisons": ("Jämförelser", "Comparisons"),
    "cmp.title": ("Jämförelser för forskning", "Comparisons for research"),
    "cmp.working": (
        "Räknar … (den blandade modellen kan ta en halv minut)",
        "Computing … (the mixed model can take half a minute)",
    ),
    "cmp.month": ("Uppföljningsmånad", "Follow-up month"),
    "cmp.method": ("Metod", "Method"),
    "cmp.handling": ("Döda och flyttade till särskilt boende", "Deaths and moves into a nursing home"),
    "cmp.handling.exclude": (
        "Bland dem som bor kvar hemma (döda och flyttade utesluts)",
        "Among those still living at home (deaths and placements left out)",
    ),
    "cmp.handling.zero": (
        "Känslighetsanalys: döda och flyttade räknas som 0 timmar",
        "Sensitivity analysis: deaths and placements counted as 0 hours",
    ),
    "cmp.results": (
        "Skillnad i timmar per månad, månad {month} (sekundärt utfall)",
        "Difference in hours per month, month {month} (secondary outcome)",
    ),
    "cmp.method_used": (
        "Metod: {method}. Döda och flyttade: {handling}.",
        "Method: {method}. Deaths and placements: {handling}.",
    ),
    "placement.at_risk_short": ("I risk (bor hemma och följs)", "At risk (at home, followed)"),
    "cmp.flow_left": ("Lämnade hemmet före månad {month}", "Left home before month {month}"),
    "cmp.flow_home": ("Hemma och följs vid månad {month}", "At home and followed at month {month}"),
    "cmp.favours_fewer": ("← färre timmar med intervention", "← fewer hours with the intervention"),
    "cmp.favours_more": ("fler timmar med intervention →", "more hours with the intervention →"),
    "cmp.forest": ("Skogsdiagram per åldersgrupp", "Forest plot by age band"),
    "cmp.subgroup_warning": (
        "Resultat per åldersgrupp är subgruppsanalyser. Tro inte på en skillnad mellan grupperna utan stöd av "
        "interaktionstestet (p {p}). Holm-justerade p-värden tar hänsyn till att flera grupper testas.",
        "Results by age band are subgroup analyses. Do not believe a difference between bands without support "
        "from the interaction test (p {p}). Holm-adjusted p-values account for testing several bands.",
    ),
    "cmp.sensitivity": ("Känslighetsanalys: döda och flyttade", "Sensitivity analysis: deaths and placements"),
    "cmp.timepoints": ("Alla åldrar vid flera tidpunkter", "All ages at several timepoints"),
    "cmp.timepoints_note": ("Holm-justering över tidpunkterna.", "Holm adjustment across the timepoints."),
    "cmp.mixed": ("Upprepade mätningar (GEE), alla åldrar", "Repeated measures (GEE), all ages"),
    "cmp.mixed_note": (
        "Effekt per tidpunkt och genomsnitt över månad 6–K (efter insatsens tre månader), från en modell över "
        "månad 1–K justerad för timmar vid start; robusta standardfel. Bland dem som bor kvar hemma.",
        "Effect per timepoint and averaged over months 6–K (after the three-month intervention), from one model "
        "of months 1–K adjusted for baseline hours; robust standard errors. Among those still living at home.",
    ),
    "cmp.table1": ("Baslinje per arm (tabell 1)", "Baseline by arm (Table 1)"),
    "cmp.table1_note": (
        "Medelvärde (SD), median [IQR], n (%). SMD = standardiserad skillnad (Yang & Dalton 2012).",
        "Mean (SD), median [IQR], n (%). SMD = standardized difference (Yang & Dalton 2012).",
    ),
    "cmp.flow": ("Flöde av deltagare (CONSORT)", "Participant flow (CONSORT)"),
    "cmp.reproduce": ("Återskapa resultatet", "Reproduce the result"),
    "cmp.reproduce_note": (
        "Ladda ned värdena per person (utan id) och kör koden; den ger samma siffror.",
        "Download the values per person (without ids) and run the code; it gives the same numbers.",
    ),
    "cmp.download_values": ("Värden per person (CSV)", "Values per person (CSV)"),
    "col.p_holm": ("p (Holm)", "p (Holm)"),
    "col.superiority": (
        "Sannolikhet att en i interventionsgruppen har fler timmar, % (95 % KI)",
        "Probability that an intervention person has more hours, % (95% CI)",
    ),
    "col.p_bm": ("p (Brunner–Munzel)", "p (Brunner–Munzel)"),
    "col.variable": ("Variabel", "Variable"),
    "col.level": ("Nivå", "Level"),
    "col.statistic": ("Mått", "Statistic"),
    "col.smd": ("SMD", "SMD"),
    "col.missing": ("Saknas (I / K)", "Missing (I / C)"),
    "col.randomized": ("Randomiserade", "Randomized"),
    "col.at_home": ("Hemma och följs", "At home and followed"),
    "col.left": ("Lämnat uppföljningen", "Left follow-up"),
    "col.timepoint": ("Månad", "Month"),
    "nav.placement": ("Särskilt boende", "Nursing homes"),
    "placement.title": ("Flytt till särskilt boende", "Moves into a nursing home"),
    "placement.window": ("Fönster (månader efter randomisering)", "Window (months after randomization)"),
    "placement.show_km": ("Visa även 1 − Kaplan–Meier", "Also show 1 − Kaplan–Meier"),
    "placement.band": ("Åldersgrupp i diagrammet", "Age band in the chart"),
    "placement.curve": (
        "Kumulativ incidens av flytt till särskilt boende",
        "Cumulative incidence of moving into a nursing home",
    ),
    "placement.curve_note": (
        "Aalen–Johansen-skattning med död som konkurrerande händelse, 95 % konfidensintervall. Uppföljningen "
        "avslutas vid uppföljningens slut eller efter fönstret.",
        "Aalen–Johansen estimate with death as a competing event, 95% confidence interval. Follow-up ends at "
        "the end of follow-up or the window.",
    ),
    "placement.km_note": (
        "1 − Kaplan–Meier behandlar död som bortfall och överskattar flytt när många dör (särskilt 86–95 år).",
        "1 − Kaplan–Meier treats death as censoring and overstates placement when many die (especially 86–95).",
    ),
    "placement.km_label": ("1 − Kaplan–Meier", "1 − Kaplan–Meier"),
    "placement.at_risk": ("Antal kvar i uppföljning utan händelse", "Number still followed without an event"),
    "placement.table": ("Per åldersgrupp inom {month} månader", "By age band within {month} months"),
    "placement.methods": (
        "Hazardkvot: orsaksspecifik Cox-modell (död och bortfall censurerade), med test av proportionella "
        "hazarder (Grambsch–Therneau). Subdistributionshazardkvot: Fine–Gray, konfidensintervall med bootstrap "
        "(200 omdragningar, fast frö; modellbaserat över 50 000 personer). Riskskillnad och riskkvot ur "
        "Aalen–Johansen-skattningarna vid 12 och 24 månader. Dagar på särskilt boende räknas till död eller "
        "uppföljningens slut.",
        "Hazard ratio: cause-specific Cox model (death and loss to follow-up censored), with a test of "
        "proportional hazards (Grambsch–Therneau). Subdistribution hazard ratio: Fine–Gray, confidence interval "
        "by bootstrap (200 resamples, fixed seed; model-based above 50,000 people). Risk difference and ratio "
        "from the Aalen–Johansen estimates at 12 and 24 months. Nursing-home days count to death or end of "
        "follow-up.",
    ),
    "placement.reading": (
        "{band}: inom {month} månader flyttade {ci} % med intensiv hemrehabilitering och {cc} % med ordinarie "
        "hemtjänst till särskilt boende (kumulativ incidens med död som konkurrerande händelse).",
        "{band}: within {month} months {ci}% with intensive home rehabilitation and {cc}% with ordinary home "
        "care moved into a nursing home (cumulative incidence, death competing).",
    ),
    "placement.rd_clear": (
        "Risken att flytta var tydligt {direction} med insatsen: {est} procentenheter (95 % KI {lo} till {hi}).",
        "The risk of moving was clearly {direction} with the intervention: {est} percentage points (95% CI {lo} to "
        "{hi}).",
    ),
    "placement.rd_unclear": (
        "Skillnaden i risk, {est} procentenheter (95 % KI {lo} till {hi}), är inte tydlig; det betyder inte att "
        "insatsen saknar effekt.",
        "The difference in risk, {est} percentage points (95% CI {lo} to {hi}), is not clear; that does not mean no "
        "effect.",
    ),
    "placement.hr_note": (
        "(Orsaksspecifik hazardkvot {hr}, 95 % KI {lo}–{hi}: flyttakten bland dem som lever och bor hemma, "
        "inte en risk.)",
        "(Cause-specific hazard ratio {hr}, 95% CI {lo}–{hi}: the rate of moving among those alive at home, "
        "not a risk.)",
    ),
    "word.lower": ("lägre", "lower"),
    "word.higher": ("högre", "higher"),
    "col.placed": ("Flyttade", "Moved"),
    "col.cuminc_intervention": (
        "Kumulativ incidens, intervention (95 % KI)",
        "Cumulative incidence, intervention (95% CI)",
    ),
    "col.cuminc_control": ("Kumulativ incidens, kontroll (95 % KI)", "Cumulative incidence, control (95% CI)"),
    "col.hr": ("Hazardkvot, Cox (95 % KI)", "Hazard ratio, Cox (95% CI)"),
    "col.ph": ("p, proportionella hazarder", "p, proportional hazards"),
    "col.shr": ("Subdistributionshazardkvot, Fine–Gray (95 % KI)", "Subdistribution hazard ratio, Fine–Gray (95% CI)"),
    "col.rd": ("Riskskillnad {k} mån, procentenheter (95 % KI)", "Risk difference {k} mo, percentage points (95% CI)"),
    "col.rr": ("Riskkvot {k} mån (95 % KI)", "Risk ratio {k} mo (95% CI)"),
    "col.nh_days": (
        "Dagar på särskilt boende per personår, intervention / kontroll",
        "Nursing-home days per person-year, intervention / control",
    ),
    "col.cif": ("Kumulativ incidens (%)", "Cumulative incidence (%)"),
    "data.title": ("Data: importera och granska", "Data: import and review"),
    "access.login_needed": (
        "Logga in för att se uppföljningen. Läsare ser sammanställningar med små tal dolda; analytiker kan "
        "även importera data.",
        "Log in to see the follow-up. Viewers see aggregates with small numbers hidden; analysts can also import data.",
    ),
    "access.login": ("Logga in", "Log in"),
    "access.logout": ("Logga ut", "Log out"),
    "access.logged_in": ("Inloggad som {user} · roll: {role}", "Logged in as {user} · role: {role}"),
    "access.single_user_network": (
        "Appen startar inte: den körs utan inloggning (alla är analytiker) men servern nås från nätverket. "
        'Sätt server.address = "localhost" i .streamlit/config.toml, eller konfigurera inloggning ([auth] i '
        ".streamlit/secrets.toml). Inställningen allow_single_user_on_network tillåter det ändå.",
        "The app does not start: it runs without login (everyone is an analyst) but the server is reachable "
        'from the network. Set server.address = "localhost" in .streamlit/config.toml, or configure login '
        "([auth] in .streamlit/secrets.toml). The setting allow_single_user_on_network allows it anyway.",
    ),
    "access.single_user_network_allowed": (
        "Utan inloggning och nåbar från nätverket: alla som når servern ser allt och kan importera.",
        "Without login and reachable from the network: everyone who reaches the server sees everything and can import.",
    ),
    "access.single_user": (
        "Enanvändarläge: ingen inloggning är konfigurerad, så den som når appen är analytiker (kan importera "
        "och visa små tal). Se dokumentationen (Inloggning och drift) för inloggning.",
        "Single-user mode: no login is configured, so whoever reaches the app is an analyst (can import and "
        "show small numbers). See the documentation (Login and deployment) for login.",
    ),
    "access.show_small": ("Visa små tal (färre än {n} personer)", "Show small numbers (fewer than {n} people)"),
    "access.small_shown": (
        "Små tal visas: tabeller, diagram och exporter kan röja enskilda personer. Dela dem inte.",
        "Small numbers are shown: tables, charts and exports may reveal individuals. Do not share them.",
    ),
    "access.analyst_only": ("Bara analytiker kan använda den här delen.", "Only analysts can use this part."),
    "stamp.no_filters": ("inga (alla)", "none (everyone)"),
    "stamp.suppression_on": ("färre än {n} personer visas som '..'", "fewer than {n} people shown as '..'"),
    "stamp.suppression_off": (
        "VISAS (döljande avstängt av analytiker; får inte delas)",
        "SHOWN (suppression turned off by an analyst; must not be shared)",
    ),
    "col.ci": ("95 % KI", "95% CI"),
    "methods.overview": (
        "timmar bland dem som bor kvar hemma i månaden: medelvärden med t-baserade 95 % KI, skillnader med "
        "Welchs t-test; andelar med Wilsons KI",
        "hours among those still living at home in the month: means with t-based 95% CI, differences by "
        "Welch's t-test; shares with Wilson CI",
    ),
    "methods.placement": (
        "kumulativ incidens (Aalen–Johansen, död som konkurrerande händelse); Cox; Fine–Gray",
        "cumulative incidence (Aalen–Johansen, death as a competing event); Cox; Fine–Gray",
    ),
    "methods.costs": (
        "kostnadsmodell med diskontering; osäkerhet med bootstrap av studien och probabilistisk känslighetsanalys",
        "cost model with discounting; uncertainty by bootstrap of the study and probabilistic sensitivity analysis",
    ),
    "costs.input_low": ("Lågt värde på antagandet", "Low value of the assumption"),
    "costs.input_high": ("Högt värde på antagandet", "High value of the assumption"),
    "input.home_care_hour": ("Kostnad per hemtjänsttimme", "Cost per home-care hour"),
    "input.nursing_home_day": ("Kostnad per dygn på särskilt boende", "Cost per nursing-home day"),
    "input.price_index": ("Prisindex", "Price index"),
    "input.cash_releasing_share": ("Andel av kostnaden som frigörs", "Cash-releasing share"),
    "input.ramp_up_months": ("Månader utan besparing (insatsen)", "Months without saving (the intervention)"),
    "input.full_effect_months": ("Full effekt till månad", "Full effect until month"),
    "input.waning_months": ("Effekten borta vid månad", "Effect gone by month"),
    "input.waning": ("Effektens varaktighet (månader med full effekt)", "Effect duration (months of full effect)"),
    "input.unit_cost_cv": ("Osäkerhet i enhetskostnader (variationskoefficient)", "Unit-cost uncertainty (CV)"),
    "input.intervention_cost_cv": (
        "Osäkerhet i insatsens kostnad (variationskoefficient)",
        "Intervention-cost uncertainty (CV)",
    ),
    "input.uptake_cv": ("Osäkerhet i andel som deltar (variationskoefficient)", "Uptake uncertainty (CV)"),
    "costs.none": ("ingen", "none"),
    "costs.scenario_line": (
        "Scenario: effekter {source}; timme {hour} kr, dygn {day} kr (prisindex {index}, frigörs {share}); insats "
        "{cost} kr/deltagare; deltagande {uptake}; sökande/år {applicants}; timmar/månad {hours}; dygn/år {days}; "
        "utan besparing {ramp} mån, full effekt till mån {full}, borta vid mån {waning}; {years} år; ränta {rate} %",
        "Scenario: effects {source}; hour {hour} SEK, day {day} SEK (price index {index}, cash share {share}); "
        "intervention {cost} SEK/participant; uptake {uptake}; applicants/year {applicants}; hours/month {hours}; "
        "days/year {days}; no saving {ramp} mo, full effect to month {full}, gone by month {waning}; {years} years; "
        "rate {rate}%",
    ),
    "costs.source.manual": ("inskrivna", "typed in"),
    "costs.source.study": ("från studien", "from the study"),
    "input.uptake": ("Andel som deltar", "Uptake"),
    "input.duration_years": ("Effektens varaktighet (år)", "Duration of the effect (years)"),
    "input.discount_rate": ("Diskonteringsränta", "Discount rate"),
    "input.intervention_per_participant": ("Insatsens kostnad per deltagare", "Intervention cost per participant"),
    "input.years": ("Antal år", "Number of years"),
    "input.applicants_per_year": ("Sökande per år", "Applicants per year"),
    "input.hours_per_month": ("Timmar per månad, skillnad", "Hours per month, difference"),
    "input.nursing_home_days_per_year": (
        "Dygn på särskilt boende per år, skillnad",
        "Nursing-home days per year, difference",
    ),
    "table1.age": ("Ålder (år)", "Age (years)"),
    "table1.baseline_hours": ("Hemtjänsttimmar per månad vid start", "Home-care hours per month at baseline"),
    "table1.stat.n": ("antal", "n"),
    "table1.stat.mean (SD)": ("medelvärde (SD)", "mean (SD)"),
    "table1.stat.median [IQR]": ("median [kvartiler]", "median [IQR]"),
    "table1.stat.n (%)": ("antal (%)", "n (%)"),
    "sex.total": ("Totalt", "Total"),
    "overview.by_sex": (
        "Totalt, kvinnor och män: timmar per månad i månad {month}",
        "Total, women and men: hours per month in month {month}",
    ),
    "col.input": ("Antagande", "Assumption"),
    "col.net_low": ("Netto vid lågt värde (Mkr)", "Net at the low value (MSEK)"),
    "col.net_high": ("Netto vid högt värde (Mkr)", "Net at the high value (MSEK)"),
    "export.csv": ("CSV", "CSV"),
    "export.xlsx": ("Excel", "Excel"),
    "export.png": ("PNG", "PNG"),
    "export.svg": ("SVG", "SVG"),
    "export.label": ("Ladda ned", "Download"),
    "export.no_browser": (
        "Diagram som PNG/SVG kräver Chromium på servern (apt-get install chromium). Tills dess finns "
        "diagrammets värden som tabell under det.",
        "Charts as PNG/SVG need Chromium on the server (apt-get install chromium). Until then, the chart's "
        "values are in the table under it.",
    ),
    # Download file names (without the extension): in the page's language, ASCII only.
    "file.hours_month": ("timmar_manad{month}", "hours_month{month}"),
    "file.hours_sex_month": ("timmar_kon_manad{month}", "hours_sex_month{month}"),
    "file.hours_over_time": ("timmar_over_tid_{band}", "hours_over_time_{band}"),
    "file.share_placed": ("andel_sarskilt_boende", "share_nursing_home"),
    "file.people": ("personer", "people"),
    "file.per_person": ("per_person_{months}_manader", "per_person_{months}_months"),
    "file.comparison": ("jamforelse_{method}_manad{month}", "comparison_{method}_month{month}"),
    "file.forest": ("forest_{method}", "forest_{method}"),
    "file.sensitivity": ("kanslighet_{method}_manad{month}", "sensitivity_{method}_month{month}"),
    "file.timepoints": ("tidpunkter_{method}", "timepoints_{method}"),
    "file.mixed_model": ("blandad_modell", "mixed_model"),
    "file.table1": ("tabell1", "table1"),
    "file.flow_diagram": ("flode_diagram", "flow_diagram"),
    "file.flow": ("flode", "flow"),
    "file.values": ("varden_manad{month}_{method}_{handling}", "values_month{month}_{method}_{handling}"),
    "file.placement_curve": ("sarskilt_boende_{band}", "nursing_home_{band}"),
    "file.at_risk": ("i_risk_{band}", "at_risk_{band}"),
    "file.placement_month": ("sarskilt_boende_manad{month}", "nursing_home_month{month}"),
    "file.costs_cumulative": ("kostnader_kumulativt", "costs_cumulative"),
    "file.costs_per_year": ("kostnader_per_ar", "costs_per_year"),
    "file.tornado": ("tornado", "tornado"),
    "file.measures_chart": ("matt_{instrument}", "measure_{instrument}"),
    "file.measures_table": ("matt_{instrument}_per_besok", "measure_{instrument}_per_visit"),
    "file.measures_repeated": ("matt_{instrument}_upprepade", "measure_{instrument}_repeated"),
    "file.qaly_table": ("qaly_kostnadseffektivitet", "qaly_cost_effectiveness"),
    "file.qaly_curve": ("qaly_acceptanskurva", "qaly_acceptability_curve"),
    "file.qaly_plane": ("qaly_kostnadseffektivitetsplan", "qaly_cost_effectiveness_plane"),
    "file.all_ages": ("alla", "all"),
    "export.sheet": ("Tabell", "Table"),
    "export.as": ("{what} som {fmt}", "{what} as {fmt}"),
    "object.table": ("Tabellen", "The table"),
    "object.chart": ("Diagrammet", "The chart"),
    "object.results": ("Jämförelsen", "The comparison"),
    "object.sensitivity": ("Känslighetsanalysen", "The sensitivity analysis"),
    "object.timepoints": ("Tidpunkterna", "The timepoints"),
    "object.mixed": ("Den blandade modellen", "The mixed model"),
    "object.table1": ("Tabell 1", "Table 1"),
    "object.flow": ("Flödet", "The flow"),
    "object.flow_diagram": ("Flödesdiagrammet", "The flow diagram"),
    "object.cost_years": ("Kostnaderna per år", "The costs per year"),
    "object.cumulative": ("Det kumulativa nettot", "The cumulative net"),
    "object.tornado": ("Tornadodiagrammet", "The tornado chart"),
    "object.hours_table": ("Timmarna per åldersgrupp", "The hours by age band"),
    "object.hours_chart": ("Timdiagrammet", "The hours chart"),
    "object.sex_table": ("Timmarna per kön", "The hours by sex"),
    "object.people_table": ("De randomiserade", "The people randomized"),
    "object.person_table": ("Utfallen per person", "The outcomes per person"),
    "object.placement_chart": ("Andelen i särskilt boende", "The share in nursing homes"),
    "object.placement_curve": ("Flyttkurvan", "The placement curve"),
    "object.placement_table": ("Flyttabellen", "The placement table"),
    "object.at_risk": ("Antalet i risk", "The number at risk"),
    "object.forest": ("Forest-diagrammet", "The forest plot"),
    "object.trajectory_chart": ("Timmarna över tid", "The hours over time"),
    "export.ci_low": ("95 % KI, nedre", "95% CI, lower"),
    "export.ci_high": ("95 % KI, övre", "95% CI, upper"),
    "export.numbers": ("Siffror", "Numbers"),
    "export.numbers_note": (
        "talen med full precision; en tom cell är dold (små tal, se raden Små tal) eller går inte att skatta",
        "the numbers at full precision; an empty cell is hidden (small numbers, see that line) or cannot be estimated",
    ),
    "export.source_sheet": ("Källa", "Source"),
    "export.chart_data": ("Diagrammets värden (textalternativ)", "The chart's values (text alternative)"),
    "export.series": ("Serie", "Series"),
    "role.viewer": ("läsare", "viewer"),
    "role.analyst": ("analytiker", "analyst"),
    "data.quality": ("Datakvalitet för studien", "Data quality of the study"),
    "data.people": ("Personer", "People"),
    "data.hours_rows": ("Rader med timmar", "Hours rows"),
    "data.months": ("Månader med timmar", "Months with hours"),
    "data.missing_months": ("Månader utan timmar för någon", "Months with no hours for anyone"),
    "data.high_hours": ("Rader över 300 timmar", "Rows over 300 hours"),
    "data.histogram": (
        "Fördelning av timmar per person och månad (rader)",
        "Distribution of hours per person-month (rows)",
    ),
    "data.none": ("inga", "none"),
    "data.import": ("Importera en studie", "Import a study"),
    "data.import_help": (
        "Ladda upp deltagarfilen och timfilen (CSV, Excel .xlsx eller Parquet). Personnummer ersätts med "
        "pseudonymer vid importen och sparas aldrig. Om något är fel listas alla problem och inget ändras.",
        "Upload the participants file and the hours file (CSV, Excel .xlsx or Parquet). Personnummer are "
        "replaced by pseudonyms at import and never stored. If anything is wrong, every problem is listed and "
        "nothing changes.",
    ),
    "data.templates": ("Mallar", "Templates"),
    "data.template_participants": ("Mall: deltagarfil (CSV)", "Template: participants file (CSV)"),
    "data.template_hours": ("Mall: timfil (CSV)", "Template: hours file (CSV)"),
    "data.participants_file": ("Deltagarfil", "Participants file"),
    "data.hours_file": ("Timfil", "Hours file"),
    "data.measurements_file": (
        "Mätfil (valfri): utfallsmått vid besök, t.ex. EQ-5D-index och ADL",
        "Measurements file (optional): outcome measures at visits, e.g. EQ-5D index and ADL",
    ),
    "data.care_kind": ("Hemtjänsten som", "Home care as"),
    "data.care_kind.hours": ("timmar per person och månad (timfil)", "hours per person and month (hours file)"),
    "data.care_kind.visits": (
        "ett besök per rad ur tidsregistreringen (besöksfil)",
        "one visit per row from time registration (visits file)",
    ),
    "data.visits_file": ("Besöksfil", "Visits file"),
    "data.template_visits": ("Mall: besöksfil (CSV)", "Template: visits file (CSV)"),
    "data.template_measurements": ("Mall: mätfil (CSV)", "Template: measurements file (CSV)"),
    "data.done_measurements": ("Mätningar per instrument: {counts}.", "Measurements per instrument: {counts}."),
    "data.study_name": (
        "Studiens namn (en befintlig studie med samma namn ersätts)",
        "Study name (an existing study of that name is replaced)",
    ),
    "data.data_end": ("Sista datadag (tomt: räknas fram)", "Last day of data (empty: derived)"),
    "data.preview": ("Förhandsvisning (första raderna)", "Preview (first rows)"),
    "data.mapping": ("Kolumner", "Columns"),
    "data.mapping_help": (
        "Välj vilken kolumn i filen som motsvarar varje fält. Kända svenska och engelska namn är förvalda.",
        "Choose which column of the file holds each field. Known Swedish and English names are preselected.",
    ),
    "data.no_column": ("(ingen)", "(none)"),
    "data.run": ("Importera", "Import"),
    "data.rejected": (
        "Importen avvisades. Databasen är oförändrad.",
        "The import was rejected. The database is unchanged.",
    ),
    "data.problems": ("{total} problem; {shown} visas.", "{total} problems; {shown} shown."),
    "data.done": (
        "Importerad: {study}. Personer: {people}. Timrader: {rows}.",
        "Imported: {study}. People: {people}. Hours rows: {rows}.",
    ),
    "data.warnings": ("Varningar ({total})", "Warnings ({total})"),
    "data.need_files": ("Ladda upp båda filerna och ange ett namn.", "Upload both files and give a name."),
    "data.mode": ("Vad vill du göra?", "What do you want to do?"),
    "data.mode.import": (
        "Importera en studie (ersätter en med samma namn)",
        "Import a study (replaces one of that name)",
    ),
    "data.mode.update": (
        "Lägga till nya månader i en importerad studie (månadsuppdatering)",
        "Add new months to an imported study (monthly update)",
    ),
    "data.update_help": (
        "En uppdatering läser bara de nya filerna: varje månad i tim- eller besöksfilen ersätter den månaden, och "
        "en deltagarfil (valfri) lägger till nya personer och nya eller senare utfallsdatum. En ändrad "
        "randomisering, ett datum som flyttas bakåt eller en person som saknas avvisas: rätta sådant med en ny "
        "import.",
        "An update reads the new files only: each month in the hours or visits file replaces that month, and a "
        "participants file (optional) adds new people and new or later outcome dates. A changed randomization, a "
        "date moved earlier or a missing person is refused: correct those with a full import.",
    ),
    "data.update_study": ("Studie att uppdatera", "Study to update"),
    "data.participants_optional": (
        "Deltagarfil (valfri, hela filen som den är nu)",
        "Participants file (optional, the whole file as it is now)",
    ),
    "data.complete_through": (
        "Komplett t.o.m. (valfri dag i den sista kompletta månaden; tomt: räknas fram från sista datadag)",
        "Complete through (any day of the last complete month; empty: derived from the last day of data)",
    ),
    "data.run_update": ("Uppdatera", "Update"),
    "data.need_update_files": ("Ladda upp tim- eller besöksfilen.", "Upload the hours or visits file."),
    "data.updated": (
        "Uppdaterad: {study}. Nya månader: {added}. Ersatta månader: {replaced}. Nya personer: {people}. "
        "Komplett t.o.m. {complete}.",
        "Updated: {study}. New months: {added}. Replaced months: {replaced}. New people: {people}. "
        "Complete through {complete}.",
    ),
    "data.measure": ("Vilken tid är timmarna?", "Which hours are these?"),
    "data.measure.unstated": (
        "Ej angivet (en besöksfil räknas som utförd tid)",
        "Not stated (a visits file counts as performed time)",
    ),
    "data.measure.study": ("Studiens (när den har ett mått)", "The study's (when it holds one)"),
    "data.measure_added": (
        "{measure} lades till i studien. Analyserna slutar med {complete}, det tidigaste måttets kompletta månad.",
        "{measure} was added to the study. The analyses end with {complete}, the earliest measure's complete month.",
    ),
    "data.no_studies": ("Det finns ingen importerad studie att uppdatera.", "There is no imported study to update."),
    "col.file": ("Fil", "File"),
    "col.row": ("Rad", "Row"),
    "col.column": ("Kolumn", "Column"),
    "col.value": ("Värde", "Value"),
    "col.expected": ("Förväntat", "Expected"),
    "col.rows": ("Rader", "Rows"),
    "col.from": ("Från", "From"),
    "person.title": (
        "Per randomiserad person: vårdkostnad och dagar hemma under {months} månader",
        "Per randomized person: care cost and days at home over {months} months",
    ),
    "person.note": (
        "Huvudsvaret på om insatsen fungerar och vad den kostar. Alla randomiserade räknas, vad som än hände "
        "dem (behandlingsstrategi, ICH E9(R1)): den som flyttat till särskilt boende bidrar med sina dygn där, "
        "den som avlidit med inget efter döden. Vårdkostnad = hemtjänsttimmar i månad 1–{months} × {hour} kr + "
        "dygn på särskilt boende × {day} kr; insatsens egen kostnad ingår inte (se Kostnader). Dagar hemma = "
        "dagar i livet utan särskilt boende. Medel per person; skillnad = intervention minus kontroll med 95 % "
        "bootstrapintervall.",
        "The main answer to whether the intervention works and what it costs. Everyone randomized counts, "
        "whatever happened to them (treatment-policy strategy, ICH E9(R1)): a person who moved into a nursing "
        "home adds their days there, a person who died adds nothing after death. Care cost = home-care hours "
        "in months 1–{months} × SEK {hour} + nursing-home days × SEK {day}; the intervention's own cost is not "
        "included (see Costs). Days at home = days alive and not in a nursing home. Means per person; "
        "difference = intervention minus control with 95% bootstrap intervals.",
    ),
    "person.censored": (
        "{n} personer lämnade uppföljningen före fönstrets slut utan att ha avlidit; medelvärdena väger upp "
        "dem som följts lika länge (IPCW, Bang & Tsiatis 2000).",
        "{n} people left follow-up before the window's end without dying; the means weight up those followed "
        "as long (IPCW, Bang & Tsiatis 2000).",
    ),
    "person.ended_at_placement": (
        "För några som flyttat till särskilt boende slutar uppföljningen samma dag som flytten. Deras dygn där "
        "och eventuell död efteråt är okända, och eftersom det hänger ihop med utfallet kan vikterna inte rätta "
        "det: kostnaden per person underskattas i den grupp som flyttar mer. Fyll i uppföljningens verkliga slut.",
        "For some who moved into a nursing home, follow-up ends on the day of the move. Their days there and "
        "any later death are unknown, and since that depends on the outcome the weights cannot mend it: the "
        "cost per person is underestimated in the arm that moves more. Fill in the real end of follow-up.",
    ),
    "plan.outcome.cost": ("vårdkostnad per randomiserad person", "care cost per randomized person"),
    "plan.outcome.days_home": ("dagar hemma per randomiserad person", "days at home per randomized person"),
    "plan.primary": (
        "Primärt utfall: {outcome} över {months} månader, {estimator}.",
        "Primary outcome: {outcome} over {months} months, {estimator}.",
    ),
    "plan.estimator.difference": (
        "skillnad i medelvärden (ojusterad)",
        "difference in means (unadjusted)",
    ),
    "plan.estimator.anhecova": (
        "justerad för {covariates} (ANHECOVA)",
        "adjusted for {covariates} (ANHECOVA)",
    ),
    "plan.bands": ("Åldersgrupper enligt planen: {bands}.", "Age bands by the plan: {bands}."),
    "covariate.baseline_hours": ("timmar vid start", "baseline hours"),
    "covariate.age": ("ålder", "age"),
    "covariate.sex": ("kön", "sex"),
    "covariate.application_type": ("ansökningstyp", "application type"),
    "data.plan_estimator": ("Skattare för det primära utfallet", "Estimator of the primary outcome"),
    "data.plan_covariates": ("Justera för (med ANHECOVA)", "Adjust for (with ANHECOVA)"),
    "data.plan_bands": (
        "Åldersgränser (t.ex. 65,76,86,96; tomt: inställningen)",
        "Age band edges (e.g. 65,76,86,96; empty: the setting)",
    ),
    "person.adjusted_for": ("justerat för {covariates}", "adjusted for {covariates}"),
    "col.primary_adjusted": ("{outcome}, justerad skillnad (95 % KI)", "{outcome}, adjusted difference (95% CI)"),
    "plan.stored": (
        "Analysplanen sparades {date}; allt annat på sidorna är sekundärt eller utforskande.",
        "The analysis plan was stored on {date}; everything else on the pages is secondary or exploratory.",
    ),
    "data.plan": ("Analysplan", "Analysis plan"),
    "data.plan_outcome": ("Primärt utfall", "Primary outcome"),
    "data.plan_months": ("Fönster (månader från randomiseringen)", "Window (months from randomization)"),
    "data.plan_note": ("Anteckning, t.ex. var planen är registrerad", "Note, e.g. where the plan is registered"),
    "data.plan_save": ("Spara analysplanen", "Store the analysis plan"),
    "plan.window_cut": (
        "Studien har ännu inte följts hela planens fönster; här visas de första {months} månaderna.",
        "The study has not yet been followed for the plan's whole window; the first {months} months are shown.",
    ),
    "plan.default": (
        "Ingen analysplan är sparad för studien, så standardvalet gäller; spara en plan innan jämförelsen läses "
        "(python -m analysis plan). Allt annat på sidorna är sekundärt eller utforskande.",
        "No analysis plan is stored for the study, so the default applies; store a plan before the comparison "
        "is read (python -m analysis plan). Everything else on the pages is secondary or exploratory.",
    ),
    "person.interaction": (
        "Skiljer sig skillnaden mellan åldersgrupperna? Vårdkostnad: p {cost}; dagar hemma: p {days} "
        "(Welch–James-test av lika skillnader, på kronor- och dagskalan). Läs åldersgrupperna genom det testet.",
        "Does the difference vary between age bands? Care cost: p {cost}; days at home: p {days} (Welch–James "
        "test of equal differences, on the kronor and days scales). Read the bands through that test.",
    ),
    "person.costs_source": ("Enhetskostnader: {source}, {year}.", "Unit costs: {source}, {year}."),
    "person.subgroups": (
        "Alla åldrar är huvudsvaret; åldersgrupperna är subgruppsanalyser med bredare intervall och ska läsas "
        "med försiktighet.",
        "All ages is the main answer; the age bands are subgroup analyses with wider intervals and must be read "
        "with care.",
    ),
    "person.deaths": (
        "Död före flytt till särskilt boende inom {months} månader: {ci} % med intensiv hemrehabilitering och "
        "{cc} % med ordinarie hemtjänst (Aalen–Johansen); färre flyttar ska inte förväxlas med fler dödsfall.",
        "Death before any move into a nursing home within {months} months: {ci}% with intensive home "
        "rehabilitation and {cc}% with ordinary home care (Aalen–Johansen); fewer moves must not be mistaken "
        "for more deaths.",
    ),
    "reading.cost.lower": (
        "{band}: {est} kr lägre vårdkostnad per person under {months} månader med intensiv hemrehabilitering "
        "(95 % KI {lo} till {hi} kr).",
        "{band}: SEK {est} lower care cost per person over {months} months with intensive home rehabilitation "
        "(95% CI SEK {lo} to {hi}).",
    ),
    "reading.cost.higher": (
        "{band}: {est} kr högre vårdkostnad per person under {months} månader med intensiv hemrehabilitering "
        "(95 % KI {lo} till {hi} kr).",
        "{band}: SEK {est} higher care cost per person over {months} months with intensive home rehabilitation "
        "(95% CI SEK {lo} to {hi}).",
    ),
    "reading.cost.unclear": (
        "{band}: ingen tydlig skillnad i vårdkostnad: {est} kr per person, men intervallet ({lo} till {hi} kr, "
        "95 % KI) rymmer både lägre och högre kostnad. Det betyder inte att insatsen saknar effekt.",
        "{band}: no clear difference in care cost: SEK {est} per person, but the interval (SEK {lo} to {hi}, 95% "
        "CI) includes both lower and higher cost. That does not mean the intervention has no effect.",
    ),
    "reading.days_home.higher": (
        "{band}: {est} fler dagar hemma per person under {months} månader med intensiv hemrehabilitering "
        "(95 % KI {lo} till {hi}).",
        "{band}: {est} more days at home per person over {months} months with intensive home rehabilitation "
        "(95% CI {lo} to {hi}).",
    ),
    "reading.days_home.lower": (
        "{band}: {est} färre dagar hemma per person under {months} månader med intensiv hemrehabilitering "
        "(95 % KI {lo} till {hi}).",
        "{band}: {est} fewer days at home per person over {months} months with intensive home rehabilitation "
        "(95% CI {lo} to {hi}).",
    ),
    "reading.days_home.unclear": (
        "{band}: ingen tydlig skillnad i dagar hemma: {est} dagar per person, men intervallet ({lo} till {hi} "
        "dagar, 95 % KI) rymmer både fler och färre. Det betyder inte att insatsen saknar effekt.",
        "{band}: no clear difference in days at home: {est} days per person, but the interval ({lo} to {hi} "
        "days, 95% CI) includes both more and fewer. That does not mean the intervention has no effect.",
    ),
    "col.cost_intervention": ("Vårdkostnad per person, intervention (kr)", "Care cost per person, intervention (SEK)"),
    "col.cost_control": ("Vårdkostnad per person, kontroll (kr)", "Care cost per person, control (SEK)"),
    "col.cost_difference": ("Skillnad i vårdkostnad, kr (95 % KI)", "Difference in care cost, SEK (95% CI)"),
    "col.days_home_intervention": ("Dagar hemma, intervention", "Days at home, intervention"),
    "col.days_home_control": ("Dagar hemma, kontroll", "Days at home, control"),
    "col.days_home_difference": ("Skillnad i dagar hemma (95 % KI)", "Difference in days at home (95% CI)"),
    "col.nursing_home_days_difference": (
        "Skillnad i dygn på särskilt boende (95 % KI)",
        "Difference in nursing-home days (95% CI)",
    ),
    "col.deaths_intervention": ("Avlidna, intervention", "Died, intervention"),
    "col.deaths_control": ("Avlidna, kontroll", "Died, control"),
    "methods.person": (
        "per randomiserad person (behandlingsstrategi); IPCW-medel; bootstrap {draws} omdragningar (percentil)",
        "per randomized person (treatment policy); IPCW means; bootstrap {draws} resamples (percentile)",
    ),
    "methods.person_large": (
        "eller normalapproximation över {n} personer per grupp",
        "or the normal approximation above {n} people per group",
    ),
    "slides.person": (
        "Vårdkostnad och dagar hemma per person under {months} månader",
        "Care cost and days at home per person over {months} months",
    ),
    "placement.model_warning": (
        "{band}: Cox-modellen varnade vid skattningen: {warning}. Läs hazardkvoten med försiktighet.",
        "{band}: the Cox fit warned: {warning}. Read the hazard ratio with care.",
    ),
    "placement.fine_gray_model_se": (
        "{band}: få händelser, så Fine–Gray-intervallet bygger på modellens standardfel, inte bootstrap "
        "(bootstrapen blir för smal när en omdragning saknar händelser).",
        "{band}: few events, so the Fine–Gray interval uses the model-based standard error, not the bootstrap "
        "(which is too narrow when a resample has no events).",
    ),
    "col.below": ("Under", "Below"),
    "building_demo": ("Bygger demo-studien …", "Building the demo study …"),
}


def t(key: str, lang: str = "sv", **values: object) -> str:
    """Return the text for key in lang ('sv' or 'en'), with {placeholders} filled in."""
    sv, en = TEXTS[key]
    text = en if lang == "en" else sv
    return text.format(**values) if values else text


def file_name(key: str, lang: str = "sv", **values: object) -> str:
    """Return a download's file name without extension in the language ('timmar_manad24' / 'hours_month24')."""
    if values.get("band") == "all":
        values = {**values, "band": t("file.all_ages", lang)}
    return t(f"file.{key}", lang, **values)


def name_object(key: str, kind: str, lang: str = "sv") -> str:
    """Return what a download holds, for its button ('Tabell 1'); the table or the chart when not named."""
    return t(f"object.{key}" if f"object.{key}" in TEXTS else f"object.{kind}", lang)


def format_number(value: float | None, lang: str = "sv", decimals: int = 1) -> str:
    """Format a number for reading: '1 234,5' in Swedish, '1,234.5' in English, '..' when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ".."
    text = f"{value:,.{decimals}f}"
    if lang == "en":
        return text
    return text.replace(",", "\u00a0").replace(".", ",").replace("-", "\u2212")


def format_p(value: float | None, lang: str = "sv", relation: bool = False) -> str:
    """Format a p-value: '< 0,001' below 0.001, else three decimals; relation=True adds '= ' before those."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ".."
    if value < 0.001:
        return "< " + format_number(0.001, lang, 3)
    return ("= " if relation else "") + format_number(value, lang, 3)


def read_hidden(band: str, reason: str | None, lang: str = "sv") -> str:
    """Say that a row is hidden, and why when the rule that hid it is known (else 'too few people')."""
    if not isinstance(reason, str) or not reason:
        return t("reading.hidden", lang, band=band)
    threshold = int(get_setting("suppression_threshold"))
    return t(f"reading.hidden.{reason}", lang, band=band, t=threshold, t1=threshold - 1)


def _row_label(row, lang: str) -> str:
    """Return how a result row is named: its age band, else its month ('average' as a word)."""
    if isinstance(row.get("age_band"), str):
        label = band_label(row["age_band"], lang)
        visit = row.get("visit_month")
        return label if visit is None or visit != visit else f"{label}, {t('col.visit', lang).lower()} {int(visit)}"
    month = row.get("month", "")
    return t("col.average", lang).lower() if month == "average" else f"{t('col.month', lang).lower()} {month}"


def describe_cannot_estimate(rows, lang: str = "sv") -> str | None:
    """Return 'Cannot be estimated: 65–75 years (why); …' for rows a method could not estimate, and fit warnings."""
    columns = [c for c in getattr(rows, "columns", ()) if c == "cannot_estimate" or c.endswith("_cannot_estimate")]
    parts, warned = [], []
    for _, row in rows.iterrows() if columns else ():
        for column in columns:
            reason = row[column]
            if isinstance(reason, str) and reason:
                parts.append(f"{_row_label(row, lang)} ({t(f'reason.{reason}', lang)})")
        note = row.get("warning")
        if isinstance(note, str) and note and not row.get("cannot_estimate"):
            warned.append(f"{_row_label(row, lang)}: {note}")
    texts = [t("cannot.rows", lang, rows="; ".join(dict.fromkeys(parts))) if parts else None]
    texts.append(t("cannot.warned", lang, rows="; ".join(dict.fromkeys(warned))) if warned else None)
    return " ".join(filter(None, texts)) or None


def describe_hidden(rows, lang: str = "sv") -> str | None:
    """Return 'Hidden rows: 65–75 years (fewer than 5 people), …' for rows with a suppressed_reason, else None.

    Rows that cannot be estimated, and what a fit warned, are said after it (describe_cannot_estimate).
    """
    cannot = describe_cannot_estimate(rows, lang)
    if "suppressed_reason" not in getattr(rows, "columns", ()) and "perturbed" not in getattr(rows, "columns", ()):
        return cannot
    rows = rows if "suppressed_reason" in rows.columns else rows.assign(suppressed_reason=None)
    threshold = int(get_setting("suppression_threshold"))
    parts = [
        f"{band_label(row['age_band'], lang)} ({t(f'hidden.reason.{reason}', lang, t=threshold, t1=threshold - 1)})"
        for _, row in rows.iterrows()
        if isinstance(reason := row["suppressed_reason"], str) and reason
    ]
    text = t("hidden.rows", lang, rows="; ".join(parts)) if parts else None
    if "perturbed" in rows.columns and rows["perturbed"].fillna(False).astype(bool).any():
        text = " ".join(filter(None, [text, t("hidden.perturbed", lang)]))
    return " ".join(filter(None, [text, cannot])) or None


def read_difference(
    band: str, ci_low: float, ci_high: float, lang: str = "sv", reason: str | None = None, *, estimate: float
) -> str:
    """Say in plain words a difference in hours, its estimate and 95% CI; never calls an unclear result 'no effect'.

    Parameters
    ----------
    band : str
        How the group is named in the sentence.
    ci_low, ci_high : float
        The 95% confidence interval of intervention minus control, hours per month.
    lang : str
        'sv' or 'en'.
    reason : str, optional
        Why the row is hidden (disclosure's suppressed_reason), said when the interval is hidden.
    estimate : float
        The point estimate (intervention minus control), said first.

    Returns
    -------
    str

    """
    keys = ("reading.clear_lower", "reading.clear_higher", "reading.unclear")
    return _read_interval(keys, band, estimate, ci_low, ci_high, 1, lang, reason=reason)


def _read_interval(
    keys: tuple[str, str, str],
    band: str,
    estimate: float,
    ci_low: float,
    ci_high: float,
    decimals: int,
    lang: str,
    reason: str | None = None,
    **extra,
) -> str:
    """Read an estimate and 95% CI of intervention minus control with the (lower, higher, unclear) texts.

    A clearly lower result is said in positive numbers ("8 fewer (95% CI 3 to 12)"); an interval that
    includes 0 is "no clear difference" with the signed estimate, never "no effect". Hidden when NaN.
    """
    if ci_low != ci_low or ci_high != ci_high or estimate != estimate:  # NaN: hidden or not estimable
        return read_hidden(band, reason, lang)
    lower, higher, unclear = keys
    if ci_high < 0:
        est = format_number(-estimate, lang, decimals)
        lo, hi = format_number(-ci_high, lang, decimals), format_number(-ci_low, lang, decimals)
        return t(lower, lang, band=band, est=est, lo=lo, hi=hi, **extra)
    est = format_number(estimate, lang, decimals)
    lo, hi = format_number(ci_low, lang, decimals), format_number(ci_high, lang, decimals)
    return t(higher if ci_low > 0 else unclear, lang, band=band, est=est, lo=lo, hi=hi, **extra)


def read_outcome(
    kind: str,
    band: str,
    ci_low: float,
    ci_high: float,
    months: int,
    lang: str = "sv",
    reason: str | None = None,
    *,
    estimate: float,
) -> str:
    """Say a per-person difference ('cost' in SEK or 'days_home' in days): its estimate and 95% CI.

    Never calls an unclear result 'no effect'; a hidden or inestimable interval gives the hidden-row text.
    """
    keys = (f"reading.{kind}.lower", f"reading.{kind}.higher", f"reading.{kind}.unclear")
    return _read_interval(keys, band, estimate, ci_low, ci_high, 0, lang, reason=reason, months=months)


def read_measure(
    band: str, instrument: str, visit: int, ci_low: float, ci_high: float, lang: str = "sv",
    reason: str | None = None, *, estimate: float, decimals: int = 1,
) -> str:  # fmt: skip
    """Say an adjusted difference in an outcome measure at a visit: its estimate and 95% CI, never 'no effect'."""
    keys = ("reading.measure.lower", "reading.measure.higher", "reading.measure.unclear")
    return _read_interval(keys, band, estimate, ci_low, ci_high, decimals, lang, reason=reason,
                          instrument=instrument, visit=visit)  # fmt: skip


def read_cost_effectiveness(band: str, row, lang: str = "sv", reason: str | None = None) -> str:
    """Say a band's QALY and cost differences with their intervals and the probability at 500,000 SEK per QALY."""
    if row.get("qaly_difference") != row.get("qaly_difference") or row.get("suppressed"):
        return read_hidden(band, reason, lang)
    curve = row.get("p_cost_effective")
    p = curve.get("500000") if isinstance(curve, dict) else float("nan")

    def phrase(kind: str, low: float, high: float) -> str:
        return t(f"reading.{kind}.{'more' if low > 0 else 'fewer' if high < 0 else 'unclear'}", lang)

    return t(
        "reading.qaly", lang, band=band,
        qaly_phrase=phrase("qaly", row["qaly_ci_low"], row["qaly_ci_high"]),
        cost_phrase=phrase("ce_cost", row["cost_ci_low"], row["cost_ci_high"]),
        qaly=format_number(row["qaly_difference"], lang, 3), qlo=format_number(row["qaly_ci_low"], lang, 3),
        qhi=format_number(row["qaly_ci_high"], lang, 3), cost=format_number(row["cost_difference"], lang, 0),
        clo=format_number(row["cost_ci_low"], lang, 0), chi=format_number(row["cost_ci_high"], lang, 0),
        p=format_number(100 * p, lang, 0),
    )  # fmt: skip


def read_person_note(costs, months: int, lang: str = "sv") -> str:
    """Say what the per-person outcomes count and what the unit costs are, with their source and year."""
    source = SOURCES["home_care_hour"]
    hour, day = format_number(costs.hour, lang, 0), format_number(costs.day, lang, 0)
    note = t("person.note", lang, months=months, hour=hour, day=day)
    return note + " " + t("person.costs_source", lang, source=source.source_in(lang), year=source.year)


def read_person_interaction(interaction: dict, lang: str = "sv") -> str:
    """Say whether the per-person differences vary between the age bands (the interaction p-values)."""
    cost, days = (format_p(interaction[name]["p_value"], lang, relation=True) for name in ("cost", "days_home"))
    return t("person.interaction", lang, cost=cost, days=days)


def read_person_outcomes(groups, months: int, lang: str, plan) -> list[str]:
    """Return the per-person sentences for a board: everyone first, then each band, then the subgroup caveat.

    Each group's sentence on the plan's primary outcome comes first, read by the plan's estimator.
    """
    rows = sorted((row for _, row in groups.iterrows()), key=lambda row: row["age_band"] != "all")
    return [
        *(
            sentence
            for row in rows
            for sentence in read_person_row(row, band_label(row["age_band"], lang), months, lang, plan)
        ),
        t("person.subgroups", lang),
    ]


def read_person_row(row, band: str, months: int, lang: str, plan) -> list[str]:
    """Return one group's two per-person sentences, the plan's primary outcome first and by the plan's estimator."""
    out = []
    for kind in sorted(("cost", "days_home"), key=lambda kind: kind != plan.primary_outcome):
        if kind == plan.primary_outcome and plan.estimator == "anhecova":
            used = row.get("adjusted_for")
            low, high = row[f"{kind}_adjusted_ci_low"], row[f"{kind}_adjusted_ci_high"]
            estimate = row[f"{kind}_adjusted_difference"]
            sentence = read_outcome(
                kind, band, low, high, months, lang, row.get("suppressed_reason"), estimate=estimate
            )
            if isinstance(used, str) and used and sentence.endswith(")."):  # "(95 % KI …; justerat för ålder)."
                adjusted = t("person.adjusted_for", lang, covariates=name_covariates(used.split(","), lang))
                sentence = f"{sentence[:-2]}; {adjusted})."
            out.append(sentence)
        else:
            low, high, estimate = row[f"{kind}_ci_low"], row[f"{kind}_ci_high"], row[f"{kind}_difference"]
            out.append(
                read_outcome(kind, band, low, high, months, lang, row.get("suppressed_reason"), estimate=estimate)
            )
    if bool(row.get("suppressed", False)):  # a hidden row says so, and why, once
        return out[:1]
    return out


def name_covariates(covariates, lang: str = "sv") -> str:
    """Return covariate names for people: 'timmar vid start och ålder'."""
    names = [t(f"covariate.{c}", lang) for c in covariates]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + (" och " if lang == "sv" else " and ") + names[-1]


def describe_plan(plan, lang: str = "sv") -> str:
    """Say a study's primary analysis in words, and whether a plan was stored or the defaults apply."""
    outcome = t(f"plan.outcome.{plan.primary_outcome}", lang)
    estimator = t(f"plan.estimator.{plan.estimator}", lang, covariates=name_covariates(plan.covariates, lang))
    text = t("plan.primary", lang, outcome=outcome, months=plan.window_months, estimator=estimator)
    if plan.band_edges is not None:
        text += " " + t("plan.bands", lang, bands=", ".join(band_label(b.label, lang) for b in plan.bands))
    if plan.pre_specified:
        text += " " + t("plan.stored", lang, date=plan.set_on.date().isoformat())
        if plan.note:
            text += f" ({plan.note})"
    else:
        text += " " + t("plan.default", lang)
    return text


def describe_scenario(scenario, lang: str = "sv") -> str:
    """Say every input of a cost scenario on one line (for the stamp of every export)."""

    def per_band(values: dict, decimals: int) -> str:
        return "/".join(format_number(values[b], lang, decimals) for b in sorted(values))

    waning = scenario.waning_months
    return t(
        "costs.scenario_line",
        lang,
        source=t(f"costs.source.{scenario.effects_source}", lang),
        hour=format_number(scenario.home_care_hour, lang, 0),
        day=format_number(scenario.nursing_home_day, lang, 0),
        index=format_number(scenario.price_index, lang, 3),
        share=format_number(scenario.cash_releasing_share, lang, 2),
        cost=format_number(scenario.cost_per_participant() / scenario.price_index, lang, 0),
        uptake=format_number(scenario.uptake, lang, 2),
        applicants=per_band(scenario.applicants_per_year, 0),
        hours=per_band(scenario.hours_per_month, 2),
        days=per_band(scenario.nursing_home_days_per_year, 2),
        ramp=scenario.ramp_up_months,
        full=format_number(scenario.effect_end_months(), lang, 1),
        waning=t("costs.none", lang) if waning is None else format_number(waning, lang, 1),
        years=scenario.years,
        rate=format_number(scenario.discount_rate * 100, lang, 1),
    )


def format_probability(probability: float, lang: str = "sv") -> str:
    """Return a probability in per cent for people: 'mer än 99 %' above 0.99, 'mindre än 1 %' below 0.01."""
    if probability > 0.99:
        return t("probability.above", lang, p=99)
    if probability < 0.01:
        return t("probability.below", lang, p=1)
    return t("probability.value", lang, p=format_number(probability * 100, lang, 0))


def read_money(summary, lang: str = "sv", example_costs: bool = False) -> list[str]:
    """Say a MoneySummary for people: net present value with interval and probability, payback, doubt.

    The probability names the assumptions that drive it; with ``example_costs`` (the slides: effects from
    the study, costs from the example) a last sentence says which inputs are invented.
    """
    scenario, projection, uncertainty = summary.scenario, summary.projection, summary.uncertainty
    low, high = uncertainty["net_interval"]
    drivers = t(
        "costs.drivers.study" if scenario.effects_source == "study" else "costs.drivers.manual",
        lang,
        unit=format_number(scenario.unit_cost_cv * 100, lang, 0),
        cost=format_number(scenario.intervention_cost_cv * 100, lang, 0),
        uptake=format_number(scenario.uptake_cv * 100, lang, 0),
    )
    out = [
        t(
            "costs.sentence",
            lang,
            years=scenario.years,
            net=format_number(projection.present_value / 1e6, lang),
            low=format_number(low / 1e6, lang),
            high=format_number(high / 1e6, lang),
            p=format_probability(uncertainty["probability_saves_money"], lang),
            drivers=drivers,
        )
    ]
    payback = projection.payback_month
    out.append(
        f"{t('costs.payback', lang)}: {t('costs.months', lang, m=payback) if payback else t('costs.never', lang)}."
    )
    if low < 0 < high:
        out.append(t("costs.uncertain", lang))
    if example_costs:
        out.append(
            t(
                "costs.example_costs",
                lang,
                cost=format_number(scenario.cost_per_participant() / scenario.price_index, lang, 0),
                applicants=format_number(sum(scenario.applicants_per_year.values()), lang, 0),
            )
        )
    return out


def input_label(name: str, lang: str = "sv") -> str:
    """Return a cost input's name for people ('hours_per_month 65-75' -> 'Timmar per månad, skillnad 65–75 år')."""
    key, _, band = name.partition(" ")
    label = t(f"input.{key}", lang)
    return f"{label} {band_label(band, lang)}" if band else label


def band_label(label: str, lang: str = "sv") -> str:
    """Return a band label for people: 'Alla åldrar' for all, '65–75 år' otherwise."""
    if label == "all":
        return t("band.all", lang)
    return label.replace("-", "–") + (" år" if lang == "sv" else " years")


def read_placement(row, month: int, lang: str, hazard: bool = True) -> str:
    """Return the plain-language placement sentences for one band row (a hidden-row message when hidden).

    ``hazard=False`` leaves out the hazard ratio's note (a board's slide: the risks say it in plain words).
    """
    parts = read_placement_parts(row, month, lang)
    return " ".join(parts if hazard else parts[:2])


def read_placement_parts(row, month: int, lang: str) -> list[str]:
    """Return a band's placement reading in three parts: the risks, their difference, the hazard ratio's note.

    A part that cannot be said is an empty string; a hidden row gives the hidden-row message alone.
    """
    if row["cuminc_intervention"] != row["cuminc_intervention"] or row["cuminc_control"] != row["cuminc_control"]:
        return [read_hidden(band_label(row["age_band"], lang), row.get("suppressed_reason"), lang)]
    risks = t(
        "placement.reading",
        lang,
        band=band_label(row["age_band"], lang),
        month=month,
        ci=format_number(row["cuminc_intervention"] * 100, lang),
        cc=format_number(row["cuminc_control"] * 100, lang),
    )
    difference = ""
    low, high = row.get("rd_ci_low_window", np.nan), row.get("rd_ci_high_window", np.nan)
    estimate = row.get("risk_difference_window", np.nan)
    if low == low and high == high and estimate == estimate:
        est, lo, hi = (format_number(v * 100, lang) for v in (estimate, low, high))
        if high < 0 or low > 0:
            direction = t("word.lower" if high < 0 else "word.higher", lang)
            if high < 0:  # say how much lower in positive numbers
                est, lo, hi = (format_number(-v * 100, lang) for v in (estimate, high, low))
            difference = t("placement.rd_clear", lang, est=est, lo=lo, hi=hi, direction=direction)
        else:
            difference = t("placement.rd_unclear", lang, est=est, lo=lo, hi=hi)
    note = ""
    if row["hazard_ratio"] == row["hazard_ratio"]:
        hr, lo, hi = (format_number(row[k], lang, 2) for k in ("hazard_ratio", "ci_low", "ci_high"))
        note = t("placement.hr_note", lang, hr=hr, lo=lo, hi=hi)
    return [part for part in (risks, difference, note) if part]
