using System.Net;

namespace DelphiRounds.Testing;

/// <summary>
/// Past vision 1 (issue 21): the <see cref="AgendaScenario"/> study signed by two organisations with one measurement; a reflection
/// round in which the numeric item's median moves from 45 to 60, closed; vision 2 drafted (statement 2 reworded, statement 3
/// added), frozen and signed by a third organisation. Its ledger: endorsement, endorsement, measurement, revision, endorsement.
/// </summary>
public sealed record ReflectionScenario(AgendaScenario Agenda, long RoundId, string Vision2)
{
    public static async Task<ReflectionScenario> SignedVision2Async(DelphiApp app)
    {
        var a = await AgendaScenario.SignedAsync(app, signatories: 2, signed: 2);
        var s = a.Study;
        var indicator = await a.IndicatorAsync();
        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/measurements",
            new { indicator, date = "2027-12-31", value = 31.5, source = "CBS StatLine 2027" }), HttpStatusCode.Created);
        var roundId = (await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/agenda/reflection-rounds", new { mode = "classic" }),
            HttpStatusCode.Created)).GetProperty("roundId").GetInt64();
        await AnswerMovedAndCloseAsync(app, a, roundId);
        await DraftVision2Async(a);
        var vision2 = (await VisionScenario.FreezeKeepingEveryStatementAsync(s)).GetProperty("sha256").GetString()!;
        var third = await VisionScenario.RegisterAsync(s, "Organisatie 3 (visie 2)", "Ondertekenaar 3", "signatory3@example.org");
        await AgendaScenario.SignAsync(app, third);
        return new ReflectionScenario(a, roundId, vision2);
    }

    /// <summary>
    /// The whole panel answers the reflection round <paramref name="roundId"/> so that the numeric item's median moves from the
    /// signed 45 to 60, and the facilitator closes the round.
    /// </summary>
    public static async Task AnswerMovedAndCloseAsync(DelphiApp app, AgendaScenario a, long roundId)
    {
        var s = a.Study;
        for (var i = 0; i < s.Participants.Count; i++)
        {
            var token = s.Participants[i].Token;
            await Scenario.Expect(await Scenario.AnswerAsync(app, token, roundId, new { itemId = s.SevenPointItem, value = 6 + i % 2 }), HttpStatusCode.Created);
            await Scenario.Expect(await Scenario.AnswerAsync(app, token, roundId, new { itemId = s.FivePointItem, value = 2 + i % 3 }), HttpStatusCode.Created);
            await Scenario.Expect(await Scenario.AnswerAsync(app, token, roundId, new { itemId = a.NumericItem, value = 55 + 5 * (i % 3) }), HttpStatusCode.Created);
        }
        await Scenario.Expect(await s.Facilitator.PostAsync($"/api/v1/rounds/{roundId}/close", null), HttpStatusCode.OK);
    }

    /// <summary>The facilitator drafts vision 2 after the reflection round: statement 2 reworded, statement 3 added.</summary>
    public static async Task DraftVision2Async(AgendaScenario a)
    {
        var s = a.Study;
        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{a.StudyId}/vision/drafts", new
        {
            title = "Gezamenlijke warmtevisie (agenda), versie 2",
            preamble = "Na de reflectieronde stellen de partijen de visie bij.",
            changeNote = "Het panel verwacht meer woningen op een warmtenet.",
            statements = new object[]
            {
                new { text = "Restwarmte is de belangrijkste bron.", itemIds = new[] { s.SevenPointItem } },
                new { text = "In 2030 zit ruim de helft van de woningen op een warmtenet.", itemIds = new[] { a.NumericItem } },
                new { text = "Buurten kiezen zelf wanneer ze overstappen.", itemIds = new[] { s.FivePointItem } },
            },
        }), HttpStatusCode.Created);
    }
}
