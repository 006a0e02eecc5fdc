using System.Text.Json;
using System.Text.Json.Nodes;
using DelphiRounds.Agenda;
using DelphiRounds.Answers;
using DelphiRounds.Consensus;
using DelphiRounds.Convergence;
using DelphiRounds.Items;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;

namespace DelphiRounds.Exports;

/// <summary>
/// The study as data: per round and item, <c>answers</c> in the input shape of <c>delphi analyze</c>
/// and <c>aggregate</c> in its output shape, so running <c>delphi analyze</c> on the one reproduces the
/// other. Participants appear only by pseudonym; no name or e-mail address is ever exported. Groups too small
/// to hide a member in appear as "other" (<see cref="ExportGroups"/>, the same labels as answers.csv), and the
/// aggregate is computed from exactly these answers, so the panel's figures are the study's own.
/// </summary>
public sealed class StudyExport(StudyStore studies, ItemStore items, RoundStore rounds, AnswerStore answers, ConvergenceStore snapshots,
    AgendaService agendas, ReflectionService reflections)
{
    public async Task<JsonObject> BuildAsync(long studyId)
    {
        var study = (await studies.FindAsync(studyId))!;
        var rules = study.Rules;
        var byId = (await items.ListAsync(studyId)).ToDictionary(i => i.Id);
        var verdicts = (await snapshots.ForStudyAsync(studyId)).ToDictionary(s => (s.RoundId, s.ItemId), s => s.Verdict);
        var roundsJson = new JsonArray();
        IReadOnlyList<CurrentAnswer>? previous = null;
        int? previousNumber = null;
        var changes = await items.ChangesAsync(studyId);
        var roundList = (await rounds.ListAsync(studyId)).Where(r => r.State != RoundStates.Draft).ToList();
        var read = new Dictionary<long, (IReadOnlyList<CurrentAnswer> Current, IReadOnlyList<CurrentAnswer>? First)>();
        foreach (var round in roundList)
            read[round.Id] = (await answers.CurrentAsync(round.Id), round.Mode == RoundModes.Blind ? await answers.FirstAsync(round.Id) : null);
        var labels = ExportGroups.Labels(roundList.SelectMany(r => read[r.Id].Current.Select(a => ((long)r.Number, a.GroupSlug, a.Pseudonym))));
        IReadOnlyList<CurrentAnswer> Labelled(IReadOnlyList<CurrentAnswer> list) => list.Select(a => a with { GroupSlug = labels.Label(a.GroupSlug) }).ToList();
        foreach (var round in roundList)
        {
            var current = Labelled(read[round.Id].Current);
            var first = read[round.Id].First is { } f ? Labelled(f) : null;
            var itemsJson = new JsonArray();
            foreach (var ri in await rounds.ItemsAsync(round.Id))
            {
                var item = byId[ri.ItemId];
                var entry = new JsonObject
                {
                    ["itemId"] = item.Id,
                    ["kind"] = item.Kind,
                    ["text"] = new JsonObject { ["nl"] = ri.TextNl, ["en"] = ri.TextEn },
                };
                if (AnalysisInputs.Analyse(item, rules, current, AnalysisInputs.PreviousFor(item, previous, previousNumber, changes)) is { } numbers)
                {
                    // Under the version of the rules the study was locked with: delphi analyze reads the version from the answers document.
                    entry["answers"] = JsonNode.Parse(numbers.InputJson);
                    entry["aggregate"] = JsonNode.Parse(numbers.OutputJson);
                    // "Don't know" is counted apart: it is not among the answers above (delphi analyze never sees it).
                    entry["dontKnow"] = AnalysisInputs.DontKnowCount(item.Id, current);
                    if (rules.VerdictFromExperts(item.Id)) entry["verdictBasis"] = ConsensusRules.BasisExperts;
                    if (first is not null && AnalysisInputs.Analyse(item, rules, first, AnalysisInputs.PreviousFor(item, previous, previousNumber, changes)) is { } blind)
                    {
                        // Blind, then reveal: the answers given before seeing the panel, and their aggregate.
                        entry["firstAnswers"] = JsonNode.Parse(blind.InputJson);
                        entry["firstAggregate"] = JsonNode.Parse(blind.OutputJson);
                        entry["firstDontKnow"] = AnalysisInputs.DontKnowCount(item.Id, first);
                    }
                }
                else if (AnalysisInputs.ForRanking(item, current, rules) is { } ranking)
                {
                    entry["answers"] = JsonNode.Parse(AnalysisJson.WriteInput(ranking));
                    entry["aggregate"] = JsonNode.Parse(AnalysisJson.Write(Analyzer.AnalyzeRanking(ranking)));
                }
                if (verdicts.TryGetValue((round.Id, item.Id), out var verdict)) entry["verdict"] = verdict;
                itemsJson.Add(entry);
            }
            roundsJson.Add(new JsonObject
            {
                ["id"] = round.Id,
                ["number"] = round.Number,
                ["kind"] = round.Kind,
                ["mode"] = round.Mode,
                ["state"] = round.State,
                ["openedAt"] = round.OpenedAt,
                ["closedAt"] = round.ClosedAt,
                ["items"] = itemsJson,
            });
            if (round.State == RoundStates.Closed && !round.IsIdeas) (previous, previousNumber) = (current, round.Number);
        }
        return new JsonObject
        {
            ["study"] = StudyHeader.Json(study),
            ["criteria"] = JsonNode.Parse(study.CriteriaJson),
            ["criteriaHash"] = study.CriteriaHash,
            ["criteriaLockedAt"] = study.CriteriaLockedAt,
            // Whose voice counts, locked with the criteria (where it is stored only for organisation): person or organisation.
            ["unit"] = rules.UnitName,
            ["groups"] = new JsonArray((await studies.GroupsAsync(studyId))
                .Select(g => (JsonNode)new JsonObject { ["slug"] = g.Slug, ["name"] = g.NameNl, ["nameEn"] = g.NameEn }).ToArray()),
            ["rounds"] = roundsJson,
            // After signing (issue 21): the agenda as GET /api/v1/studies/{id}/agenda gives it; absent before the freeze.
            ["agenda"] = await agendas.ViewAsync(studyId) is { } agenda
                ? JsonSerializer.SerializeToNode(await AgendaResponse.OfAsync(agenda, reflections), JsonSerializerOptions.Web)
                : null,
        };
    }
}
