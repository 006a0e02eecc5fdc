using System.Text.Json.Nodes;
using DelphiRounds.Convergence;
using DelphiRounds.Items;
using DelphiRounds.Kernel;
using DelphiRounds.Live;
using DelphiRounds.Records;
using DelphiRounds.Rounds;
using DelphiRounds.Studies;
using Microsoft.Extensions.Options;

namespace DelphiRounds.Vision;

/// <summary>Why a vision cannot be frozen (yet).</summary>
public enum FreezeBlocker { None, NoDraft, NoStatements, CriteriaNotLocked, RoundOpen, AlreadyFrozen }

/// <summary>
/// The vision's logic over the stores: each statement's linked items with their final statistics and
/// verdict (from <see cref="ConvergenceService"/>), review tallies, and the freeze into a canonical document.
/// </summary>
public sealed class VisionService(
    StudyStore studies, ItemStore items, RoundStore rounds, ConvergenceService convergence, VisionStore store,
    IOptions<LiveOptions> live, TimeProvider time, Organisations.OrganisationStore organisations,
    IEnumerable<IEventHandler<VisionRevising>> revising)
{
    public const string DocumentFormat = "delphirounds-vision/1";

    /// <summary>The field of a later version's document naming the version it follows (<c>{ number, sha256 }</c>).</summary>
    public const string RevisesField = "revises";

    /// <summary>Every item of the study with its final statistics and verdict (null figures when no round closed on it).</summary>
    public async Task<IReadOnlyDictionary<long, LinkedItem>> LinkedItemsAsync(long studyId)
    {
        var all = await items.ListAsync(studyId);
        var state = await convergence.StudyAsync(studyId);
        var closed = (await rounds.ListAsync(studyId)).Where(r => r.State == RoundStates.Closed).ToDictionary(r => r.Number, r => r.Id);
        var wording = new Dictionary<int, IReadOnlyDictionary<long, LocalizedText>>();
        var minShown = Math.Max(3, live.Value.MinGroupAnswersShown);
        var result = new Dictionary<long, LinkedItem>();
        foreach (var item in all)
        {
            var verdict = state.Items.FirstOrDefault(i => i.ItemId == item.Id);
            var text = item.Text;
            JsonObject? statistics = null;
            if (verdict is not null)
            {
                // The wording the panel answered in that round, which may differ from today's.
                if (closed.TryGetValue(verdict.LastRound, out var roundId))
                {
                    if (!wording.TryGetValue(verdict.LastRound, out var asked))
                        wording[verdict.LastRound] = asked = (await rounds.ItemsAsync(roundId)).ToDictionary(ri => ri.ItemId, ri => ri.Text);
                    if (asked.TryGetValue(item.Id, out var then)) text = then;
                }
                statistics = WithoutSmallGroups(JsonNode.Parse(verdict.Analysis.GetRawText())!.AsObject(), minShown);
                // No panel figures below k answers, not even final ones (docs/privacy.md).
                if ((LinkedItem.Int(statistics["n"]) ?? LinkedItem.Int(statistics["m"]) ?? 0) < Math.Max(ReleaseThreshold.K, minShown)) statistics = null;
            }
            result[item.Id] = new LinkedItem(item.Id, item.Position, text, item.Kind, verdict?.LastRound, verdict?.Verdict, statistics, verdict?.Outcome);
        }
        return result;
    }

    /// <summary>
    /// Stakeholder-group figures below the anonymity threshold never leave the server, not even in the vision — nor
    /// can they be worked out from the panel's figures minus the groups shown (<see cref="GroupSuppression"/>).
    /// </summary>
    private static JsonObject WithoutSmallGroups(JsonObject analysis, int minShown)
    {
        if (analysis["groups"] is JsonObject groups)
        {
            var shown = GroupSuppression.Shown(groups.Select(g => KeyValuePair.Create(g.Key, LinkedItem.Int(g.Value?["n"]) ?? 0)), minShown);
            var hidden = groups.Select(g => g.Key).Where(slug => !shown.Contains(slug)).ToList();
            foreach (var slug in hidden) groups.Remove(slug);
            // Nor may a reason name one of them: "not every group agrees" is the most it says (ShownReasons).
            if (analysis["consensus"] is JsonObject consensus && consensus["reasons"] is JsonArray reasons)
                consensus["reasons"] = new JsonArray(ShownReasons.Filter(reasons.Select(r => r?.GetValue<string>() ?? ""), hidden)
                    .Select(r => (JsonNode?)JsonValue.Create(r)).ToArray());
            // Version 2 lists the groups whose absence would flip the verdict: only groups shown may be listed.
            if (analysis["consensus"] is JsonObject v2 && v2["flipsWithoutGroup"] is JsonArray flips)
                foreach (var flip in flips.Where(f => f is not null && hidden.Contains(f.GetValue<string>())).ToList()) flips.Remove(flip);
            // Nor may a pole of the dissensus map name a group too small to be shown.
            if (analysis["dissensus"]?["poles"] is JsonObject poles)
                foreach (var side in poles.Select(p => p.Value).OfType<JsonArray>().ToList())
                    foreach (var pole in side.Where(f => f is not null && hidden.Contains(f.GetValue<string>())).ToList()) side.Remove(pole);
        }
        return analysis;
    }

    /// <summary>A draft with its statements, their items' figures and (when <paramref name="withReview"/>) the review tallies.</summary>
    public async Task<DraftView> DescribeAsync(VisionDraft draft, bool withReview = true)
    {
        var linked = await LinkedItemsAsync(draft.StudyId);
        var statements = await store.StatementsAsync(draft.Id);
        var review = await store.ReviewAsync(draft.Id);
        var answers = withReview ? await store.ReviewAnswersAsync(draft.Id) : [];
        var membership = withReview ? await organisations.MembershipAsync(draft.StudyId) : new Dictionary<long, long>();
        var views = statements.Select(s =>
        {
            var mine = answers.Where(a => a.StatementId == s.Statement.Id).ToList();
            var tally = new ReviewTally(
                mine.Count(a => a.Position == ReviewPositions.Agree),
                mine.Count(a => a.Position == ReviewPositions.LiveWith),
                mine.Count(a => a.Position == ReviewPositions.Object),
                mine.Where(a => a.Position == ReviewPositions.Object && a.Reason is not null).Select(a => a.Reason!).ToList(),
                mine.Where(a => a.Position != ReviewPositions.Object && a.Reason is not null).Select(a => a.Reason!).ToList())
            {
                ByOrganisation = membership.Count == 0 ? null : OrganisationTally.Of(mine.Select(a => (a.ParticipantId, a.Position)), membership),
            };
            return new StatementView(s.Statement.Id, s.Statement.Position, s.Statement.Text,
                s.ItemIds.Where(linked.ContainsKey).Select(id => linked[id]).ToList(), tally);
        }).ToList();
        return new DraftView(draft, review, views, answers.Select(a => a.ParticipantId).Distinct().Count());
    }

    /// <summary>What stands in the way of freezing the latest draft.</summary>
    public async Task<FreezeBlocker> BlockerAsync(long studyId)
    {
        var current = await store.DocumentAsync(studyId);
        if (current is not null && !await store.ReopenedAsync(studyId)) return FreezeBlocker.AlreadyFrozen;
        var draft = await store.LatestDraftAsync(studyId);
        if (draft is null) return FreezeBlocker.NoDraft;
        // After a reflection round the next version needs a draft of its own, written after the version in force.
        if (current is not null && (await store.DraftByIdAsync(current.DraftId))!.Version >= draft.Version) return FreezeBlocker.NoDraft;
        if ((await store.StatementsAsync(draft.Id)).Count == 0) return FreezeBlocker.NoStatements;
        var study = (await studies.FindAsync(studyId))!;
        if (!study.CriteriaLocked) return FreezeBlocker.CriteriaNotLocked;
        if ((await rounds.ListAsync(studyId)).Any(r => r.State == RoundStates.Open)) return FreezeBlocker.RoundOpen;
        return FreezeBlocker.None;
    }

    /// <summary>
    /// What the freeze of the latest draft must decide about: the organisations whose members' current review answers
    /// object to a statement of that version (an organisation takes its most cautious member's position), and the
    /// statements that rest on an item without consensus (an open question item is read, not judged, and does not count).
    /// </summary>
    public async Task<FreezeCheck> CheckAsync(long studyId)
    {
        var draft = await store.LatestDraftAsync(studyId);
        if (draft is null) return FreezeCheck.None;
        var view = await DescribeAsync(draft, withReview: false);
        return await CheckAsync(studyId, draft, view.Statements);
    }

    private async Task<FreezeCheck> CheckAsync(long studyId, VisionDraft draft, IReadOnlyList<StatementView> statements)
    {
        var numbers = statements.ToDictionary(s => s.Id, s => s.Number);
        var membership = await organisations.MembershipAsync(studyId);
        var objections = new List<ObjectingOrganisation>();
        if (membership.Count > 0)
        {
            var names = (await organisations.ListAsync(studyId)).ToDictionary(o => o.Id, o => o.Name);
            objections = (await store.ReviewAnswersAsync(draft.Id))
                .Where(a => a.Position == ReviewPositions.Object && membership.ContainsKey(a.ParticipantId) && numbers.ContainsKey(a.StatementId))
                .GroupBy(a => membership[a.ParticipantId])
                .Where(g => names.ContainsKey(g.Key))
                .Select(g => new ObjectingOrganisation(g.Key, names[g.Key], g.Select(a => numbers[a.StatementId]).Distinct().Order().ToList()))
                .OrderBy(o => o.Name, StringComparer.CurrentCulture).ToList();
        }
        var unsettled = statements
            .Select(s => new UnsettledStatement(s.Number, s.Items.Where(WithoutConsensus).ToList()))
            .Where(u => u.Items.Count > 0).ToList();
        return new FreezeCheck(objections, unsettled);
    }

    /// <summary>
    /// Freezes the latest draft: builds the canonical document (the text, every linked item's final statistics
    /// and verdict, the locked consensus criteria and their hash), stores it with its SHA-256, and closes any
    /// open review. After this the vision never changes. An organisation's open objection refuses the freeze unless
    /// <paramref name="decisions"/> overrides it with a reason; a statement resting on an item without consensus moves to
    /// the open questions chapter unless it is kept with a reason. Both decisions are part of the hashed document.
    /// </summary>
    public async Task<FreezeOutcome> FreezeAsync(long studyId, FreezeDecisions? decisions = null)
    {
        decisions ??= FreezeDecisions.None;
        var blocker = await BlockerAsync(studyId);
        if (blocker != FreezeBlocker.None) return new FreezeOutcome(blocker, null, FreezeCheck.None);
        var study = (await studies.FindAsync(studyId))!;
        var draft = (await store.LatestDraftAsync(studyId))!;
        var view = await DescribeAsync(draft, withReview: false);
        var check = await CheckAsync(studyId, draft, view.Statements);
        if (Refuse(check, decisions) is { } refusal) return new FreezeOutcome(FreezeBlocker.None, null, check, refusal);

        var kept = check.WithoutConsensus.Where(u => decisions.Keep.ContainsKey(u.Number))
            .Select(u => new KeptStatement(u.Number, decisions.Keep[u.Number].Trim())).ToList();
        var moved = check.WithoutConsensus.Where(u => !decisions.Keep.ContainsKey(u.Number)).Select(u => u.Number).ToHashSet();
        var objection = check.Objections.Count == 0 ? null : new ObjectionOverride(decisions.OverrideReason!.Trim(), check.Objections.Count,
            study.OrganisationsPublic ? check.Objections.Select(o => o.Name).ToList() : [],
            check.Objections.SelectMany(o => o.Statements).Distinct().Order().ToList());
        var groups = await studies.GroupsAsync(studyId);
        var openQuestions = view.Statements.Where(s => moved.Contains(s.Number))
            .Select(s => new OpenQuestion(s, s.Items.Where(WithoutConsensus)
                .Select(i => Poles(i, groups)).ToList())).ToList();

        var frozenAt = RecordTime.ToMilliseconds(time.GetUtcNow());
        var document = BuildDocument(study, draft, view.Statements.Where(s => !moved.Contains(s.Number)).ToList(), frozenAt, openQuestions, objection, kept);
        // A later version (issue 21) names the version it follows, so vision 2 carries vision 1's hash inside what is signed.
        if (await store.DocumentAsync(studyId) is { } previous)
            document[RevisesField] = new JsonObject { ["number"] = previous.Number, ["sha256"] = previous.DocumentHash };
        var canonical = CanonicalJson.Write(document);
        var hash = CanonicalJson.Sha256(canonical);
        if (!await store.FreezeAsync(studyId, draft.Id, canonical, hash, frozenAt, e => revising.AnnounceAsync(e)))
            return new FreezeOutcome(FreezeBlocker.AlreadyFrozen, null, check);
        return new FreezeOutcome(FreezeBlocker.None, await store.DocumentAsync(studyId), check);
    }

    /// <summary>
    /// True for an item the panel did not agree on: its stopping verdict is no consensus and its final figures do not
    /// meet the consensus criteria either. (An item whose figures meet the criteria but whose verdict waits for the
    /// round the rules require before consensus counts is not without consensus.) An open question is read, not judged.
    /// </summary>
    public static bool WithoutConsensus(LinkedItem item) =>
        !item.IsOpenQuestion && !Convergence.Verdicts.IsConsensus(item.Verdict)
        && !(item.Statistics?["consensus"]?["reached"] is JsonValue reached && reached.GetValueKind() == System.Text.Json.JsonValueKind.True);

    /// <summary>Why the decisions do not settle what the freeze checked (null when they do).</summary>
    private static FreezeRefusal? Refuse(FreezeCheck check, FreezeDecisions decisions)
    {
        var reason = decisions.OverrideReason?.Trim();
        if (reason is { Length: > FreezeDecisions.MaxReasonLength }) return new(400, "overrideReason", FreezeRefusal.Codes.ReasonTooLong);
        if (check.Objections.Count > 0)
        {
            if (string.IsNullOrEmpty(reason)) return new(409, "overrideReason", FreezeRefusal.Codes.OrganisationsObject);
            if (reason.Length < FreezeDecisions.MinReasonLength) return new(400, "overrideReason", FreezeRefusal.Codes.ReasonTooShort);
        }
        foreach (var (number, why) in decisions.Keep.OrderBy(k => k.Key))
        {
            var field = $"keep[{number}]";
            if (check.WithoutConsensus.All(u => u.Number != number)) return new(400, field, FreezeRefusal.Codes.KeepNotNeeded, number);
            var text = why?.Trim() ?? "";
            if (text.Length < FreezeDecisions.MinReasonLength) return new(400, field, FreezeRefusal.Codes.ReasonTooShort, number);
            if (text.Length > FreezeDecisions.MaxReasonLength) return new(400, field, FreezeRefusal.Codes.ReasonTooLong, number);
        }
        return null;
    }

    /// <summary>
    /// The poles of an item without consensus (the dissensus map): the stakeholder groups whose median lies in the
    /// agreement or the disagreement band — only groups with at least k answers to it, so no pole points at a few people.
    /// </summary>
    private static ItemPoles Poles(LinkedItem item, IReadOnlyList<Studies.StakeholderGroup> groups)
    {
        var statistics = item.Statistics;
        var k = Math.Max(ReleaseThreshold.K, 3);
        bool Shown(string slug) => (LinkedItem.Int(statistics?["groups"]?[slug]?["n"]) ?? 0) >= k;
        IReadOnlyList<PoleGroup> Side(string side) =>
            statistics?["dissensus"]?["poles"]?[side] is JsonArray slugs
                ? slugs.Select(n => n?.GetValue<string>() ?? "").Where(Shown)
                    .Select(slug => groups.FirstOrDefault(g => g.Slug == slug) is { } g ? new PoleGroup(slug, new LocalizedText(g.NameNl, g.NameEn)) : null)
                    .Where(g => g is not null).Select(g => g!).ToList()
                : [];
        return new ItemPoles(item.ItemId, Side("for"), Side("against"));
    }

    /// <summary>The document that is hashed: everything a reader needs to check what was agreed and on what figures.</summary>
    public static JsonObject BuildDocument(Study study, VisionDraft draft, IReadOnlyList<StatementView> statements, DateTimeOffset frozenAt,
        IReadOnlyList<OpenQuestion>? openQuestions = null, ObjectionOverride? objection = null, IReadOnlyList<KeptStatement>? kept = null)
    {
        var document = BaseDocument(study, draft, statements, frozenAt);
        // Only a freeze that moved or kept statements, or overrode objections, has these: older documents stay as they were.
        if (openQuestions is { Count: > 0 })
            document["vision"]!.AsObject()[FreezeRecord.OpenQuestionsField] = new JsonArray(openQuestions.Select(q =>
            {
                var json = StatementJson(q.Statement);
                json["poles"] = FreezeRecord.PolesJson(q.Poles);
                return (JsonNode)json;
            }).ToArray());
        if (FreezeRecord.DecisionsJson(objection, kept ?? []) is { } decisions) document[FreezeRecord.DecisionsField] = decisions;
        return document;
    }

    private static JsonObject StatementJson(StatementView s) => new()
    {
        ["number"] = s.Number,
        ["text"] = s.Text,
        ["items"] = new JsonArray(s.Items.Select(i => (JsonNode)new JsonObject
        {
            ["id"] = i.ItemId,
            ["position"] = i.Position,
            ["kind"] = i.Kind,
            ["text"] = new JsonObject { ["nl"] = i.Text.Nl, ["en"] = i.Text.En },
            ["lastRound"] = i.LastRound,
            ["verdict"] = i.Verdict,
            ["statistics"] = i.Statistics?.DeepClone(),
        }).ToArray()),
    };

    /// <summary>The document without the freeze's decisions.</summary>
    private static JsonObject BaseDocument(Study study, VisionDraft draft, IReadOnlyList<StatementView> statements, DateTimeOffset frozenAt) => new()
    {
        ["format"] = DocumentFormat,
        ["study"] = StudyHeader.Json(study),
        ["vision"] = new JsonObject
        {
            ["title"] = draft.Title,
            ["version"] = draft.Version,
            ["preamble"] = draft.Preamble,
            ["statements"] = new JsonArray(statements.Select(s => (JsonNode)StatementJson(s)).ToArray()),
        },
        ["criteria"] = new JsonObject
        {
            ["canonical"] = study.CriteriaJson,
            ["sha256"] = study.CriteriaHash,
            ["lockedAt"] = study.CriteriaLockedAt is { } locked ? RecordTime.Timestamp(locked) : null,
        },
        ["frozenAt"] = RecordTime.Timestamp(frozenAt),
    };
}
