using System.Net;
using System.Text.Json;
using DelphiRounds.Testing;
using Microsoft.Playwright;

namespace DelphiRounds.BrowserTests.People;

/// <summary>
/// One app, one browser and one set of studies in every state a person can meet, shared by the
/// accessibility, keyboard, reflow, print and screenshot tests (an xunit collection: they run one after
/// another against the same world, while the other browser test classes run beside them).
/// Browser contexts are kept per person and language, so each login happens once.
/// </summary>
public sealed class PeopleWorld : IAsyncLifetime
{
    public DelphiApp App { get; } = new();
    public Browser Browser { get; } = new();

    public string FacilitatorEmail { get; private set; } = "";
    public string FacilitatorPassword { get; private set; } = "";
    private HttpClient _api = null!;
    /// <summary>The facilitator's API client (bearer token).</summary>
    public HttpClient Api => _api;

    /// <summary>Study with every item kind: round 1 (live) answered and closed, round 2 (live) open, with a reworded and a retired item.</summary>
    public long AllKindsStudy { get; private set; }
    public long AllKindsRound2 { get; private set; }
    public IReadOnlyDictionary<string, long> AllKindsItems { get; private set; } = new Dictionary<string, long>();
    /// <summary>A study with a classic round open, one with a blind round open, and one with round 0 (ideas) open.</summary>
    public long ClassicStudy { get; private set; }
    public long BlindStudy { get; private set; }
    public long IdeasStudy { get; private set; }
    /// <summary>A study still in preparation: the criteria form is editable.</summary>
    public long DraftStudy { get; private set; }
    /// <summary>A study whose vision is under review by the panel.</summary>
    public long ReviewStudy { get; private set; }
    /// <summary>A study whose vision is frozen: one signatory has signed, one has not.</summary>
    public long FrozenStudy { get; private set; }
    public string FrozenDocumentHash { get; private set; } = "";
    public string UnsignedToken { get; private set; } = "";
    public string SignedToken { get; private set; } = "";
    public long ErasableParticipant { get; private set; }
    public long KeyboardParticipant { get; private set; }

    /// <summary>Participants by name: the one who sees round 2 of every kind, one per mode, a reviewer, and spare ones for tests that answer.</summary>
    public Dictionary<string, string> ParticipantTokens { get; } = new();

    private readonly Dictionary<(string Who, string Lang), IBrowserContext> _contexts = new();
    private readonly SemaphoreSlim _contextLock = new(1, 1);

    public async Task InitializeAsync()
    {
        await Browser.InitializeAsync();
        var (_, token, email, password) = await App.FacilitatorAsync();
        (FacilitatorEmail, FacilitatorPassword) = (email, password);
        _api = App.Client(token);
        await SeedAllKindsAsync();
        ClassicStudy = await SeedModeStudyAsync("classic");
        BlindStudy = await SeedModeStudyAsync("blind");
        await SeedIdeasStudyAsync();
        DraftStudy = (await CreateStudyAsync("Koude uit de haven (in voorbereiding)", perGroup: 1)).StudyId;
        await SeedVisionStudiesAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (var context in _contexts.Values) await context.DisposeAsync();
        await Browser.DisposeAsync();
        App.Dispose();
    }

    public Uri Url(string path) => new(App.Address, path);

    /// <summary>
    /// The browser context of one person in one language (<c>nl</c> or <c>en</c>, given as the browser's
    /// preferred language): <c>anonymous</c>, <c>facilitator</c> (logged in), or <c>participant:NAME</c> (signed in by their link).
    /// </summary>
    public async Task<IBrowserContext> ContextAsync(string who, string lang)
    {
        await _contextLock.WaitAsync();
        try
        {
            if (_contexts.TryGetValue((who, lang), out var existing)) return existing;
            var context = await Browser.NewPersonAsync(lang == "en" ? "en-GB" : "nl-NL");
            await Axe.AddToAsync(context);
            var page = await context.NewPageAsync();
            if (who == "facilitator")
            {
                await page.GotoAsync(Url("/login").ToString());
                await page.Locator("#email").FillAsync(FacilitatorEmail);
                await page.Locator("#password").FillAsync(FacilitatorPassword);
                await page.Locator("form.stack button[type=submit]").ClickAsync();
                await Assertions.Expect(page).ToHaveURLAsync(Url("/f").ToString());
            }
            else if (who.StartsWith("participant:", StringComparison.Ordinal))
            {
                await page.GotoAsync(Url("/p/" + ParticipantTokens[who["participant:".Length..]]).ToString());
                await Assertions.Expect(page).ToHaveURLAsync(Url("/p").ToString());
            }
            await page.CloseAsync();
            _contexts[(who, lang)] = context;
            return context;
        }
        finally { _contextLock.Release(); }
    }

    /// <summary>A new page of that person in that language.</summary>
    public async Task<IPage> PageAsync(string who, string lang) => await (await ContextAsync(who, lang)).NewPageAsync();

    // ---- seeding through the API, as a facilitator's script would ----

    private async Task<JsonElement> Post(string url, object? body, HttpStatusCode expected = HttpStatusCode.Created) =>
        await Scenario.Expect(body is null ? await _api.PostAsync(url, null) : await _api.PostJsonAsync(url, body), expected);

    private async Task<(long StudyId, List<(long Id, string Group, string Token)> Panel)> CreateStudyAsync(string title, int perGroup)
    {
        var study = await Post("/api/v1/studies", new
        {
            title,
            question = "Hoe ziet de warmte- en koudevoorziening van de stad er in 2030 uit?",
            // Both languages, as a facilitator who invites English speakers fills it in (issue 16).
            titleEn = title.Replace("Warmtevisie Voorbeeldstad", "Heat vision Example City").Replace("Warmtevisie", "Heat vision")
                .Replace("Koude uit de haven (in voorbereiding)", "Cold from the port (in preparation)").Replace("ideeënronde", "ideas round"),
            questionEn = "What will the city's heating and cooling supply look like in 2030?",
            organiser = "Gemeente Voorbeeldstad",
            horizonYear = 2030,
            groups = new[]
            {
                new { name = "Netbeheerders", nameEn = "Grid operators", slug = "grid-operators" },
                new { name = "Woningcorporaties", nameEn = "Housing corporations", slug = "housing" },
                new { name = "Bewoners", nameEn = "Residents", slug = "residents" },
            },
        });
        var studyId = study.GetProperty("id").GetInt64();
        var panel = new List<(long, string, string)>();
        foreach (var group in new[] { "grid-operators", "housing", "residents" })
            for (var i = 0; i < perGroup; i++)
            {
                var p = await Post($"/api/v1/studies/{studyId}/participants", new { group, name = $"Deelnemer {group} {i}", email = $"{group}.{i}.{studyId}@example.org" });
                panel.Add((p.GetProperty("id").GetInt64(), group, p.GetProperty("token").GetString()!));
            }
        return (studyId, panel);
    }

    private async Task<long> AddItemAsync(long studyId, object body) => (await Post($"/api/v1/studies/{studyId}/items", body)).GetProperty("id").GetInt64();

    private async Task<long> RoundAsync(long studyId, object body, bool open = true)
    {
        var id = (await Post($"/api/v1/studies/{studyId}/rounds", body)).GetProperty("id").GetInt64();
        if (open) await Post($"/api/v1/rounds/{id}/open", null, HttpStatusCode.OK);
        return id;
    }

    private async Task AnswerAsync(string token, long roundId, object body) =>
        await Scenario.Expect(await Scenario.AnswerAsync(App, token, roundId, body), HttpStatusCode.Created);

    private async Task SeedAllKindsAsync()
    {
        var (studyId, panel) = await CreateStudyAsync("Warmtevisie Voorbeeldstad 2030", perGroup: 5);
        AllKindsStudy = studyId;
        var items = new Dictionary<string, long>
        {
            ["rating"] = await AddItemAsync(studyId, new
            {
                kind = "rating", scale = new { min = 1, max = 7 },
                text = new { nl = "Restwarmte uit de haven is in 2030 de belangrijkste bron van warmte voor de stad.", en = "In 2030 residual heat from the port is the city's main source of heat." },
                labels = new Dictionary<string, object> { ["1"] = new { nl = "Helemaal oneens", en = "Strongly disagree" }, ["7"] = new { nl = "Helemaal eens", en = "Strongly agree" } },
            }),
            ["rating5"] = await AddItemAsync(studyId, new
            {
                kind = "rating", scale = new { min = 1, max = 5 },
                text = new { nl = "Bewoners betalen niet meer dan nu voor warmte.", en = "Residents pay no more for heat than they do now." },
            }),
            ["numeric"] = await AddItemAsync(studyId, new
            {
                kind = "numeric", unit = "%", rangeMin = 0, rangeMax = 100, threePoint = true,
                text = new { nl = "Welk deel van de woningen zit in 2030 op een warmtenet?", en = "What share of homes is on a heat network in 2030?" },
            }),
            ["pj"] = await AddItemAsync(studyId, new
            {
                kind = "numeric", unit = "PJ", rangeMin = 0, rangeMax = 50,
                text = new { nl = "Hoeveel restwarmte levert de haven per jaar aan de stad?", en = "How much residual heat does the port deliver to the city per year?" },
            }),
            ["year"] = await AddItemAsync(studyId, new
            {
                kind = "year", rangeMin = 2025, rangeMax = 2045,
                text = new { nl = "In welk jaar is de warmteleiding in gebruik?", en = "In which year is the heat pipeline in use?" },
            }),
            ["ranking"] = await AddItemAsync(studyId, new
            {
                kind = "ranking",
                text = new { nl = "Wie moet de warmteleiding vooral betalen?", en = "Who should mainly pay for the heat pipeline?" },
                options = new[]
                {
                    new { key = "municipality", nl = "Gemeente", en = "Municipality" },
                    new { key = "grid", nl = "Netbeheerder", en = "Grid operator" },
                    new { key = "state", nl = "Rijk en EU", en = "State and EU" },
                },
            }),
            ["text"] = await AddItemAsync(studyId, new
            {
                kind = "text",
                text = new { nl = "Wat moet er geregeld zijn voordat u meedoet?", en = "What must be arranged before you take part?" },
            }),
            ["retired"] = await AddItemAsync(studyId, new
            {
                kind = "rating", scale = new { min = 1, max = 5 },
                text = new { nl = "De stad heeft een warmtevisie nodig.", en = "The city needs a heat vision." },
            }),
        };
        AllKindsItems = items;

        // Its "retired" item reaches consensus in round 1 and is retired after it: the rules must let round 1 count.
        await Scenario.Expect(await _api.PutAsync($"/api/v1/studies/{studyId}/criteria",
            System.Net.Http.Json.JsonContent.Create(new { minRoundForConsensus = 1 })), HttpStatusCode.OK);
        var round1 = await RoundAsync(studyId, new { mode = "live" });
        // Everyone but the first two answers round 1, with reasons on both sides of the rating items.
        for (var i = 2; i < panel.Count; i++)
        {
            var t = panel[i].Token;
            await AnswerAsync(t, round1, new { itemId = items["rating"], value = 3 + i % 5, rationale = i % 3 == 0 ? "De restwarmte is er al; gebruik die eerst." : i % 3 == 1 ? "Te afhankelijk van een paar bedrijven in de haven." : null });
            await AnswerAsync(t, round1, new { itemId = items["rating5"], value = 2 + i % 3 });
            await AnswerAsync(t, round1, new { itemId = items["numeric"], low = 10 + i, value = 25 + i, high = 40 + i });
            await AnswerAsync(t, round1, new { itemId = items["pj"], value = 5 + i / 2.0 });
            await AnswerAsync(t, round1, new { itemId = items["year"], value = 2028 + i % 5 });
            await AnswerAsync(t, round1, new { itemId = items["ranking"], ranks = i % 2 == 0
                ? new Dictionary<string, int> { ["municipality"] = 1, ["grid"] = 2, ["state"] = 3 }
                : new Dictionary<string, int> { ["municipality"] = 2, ["grid"] = 1, ["state"] = 3 } });
            await AnswerAsync(t, round1, new { itemId = items["text"], text = "Een betaalbare aansluiting en duidelijke afspraken." });
            await AnswerAsync(t, round1, new { itemId = items["retired"], value = 5 });
        }
        // The viewer of round 2 answered round 1 too, so their previous answer shows beside the group's.
        await AnswerAsync(panel[0].Token, round1, new { itemId = items["rating"], value = 2, rationale = "Ik twijfel aan de leveringszekerheid." });
        await AnswerAsync(panel[0].Token, round1, new { itemId = items["numeric"], low = 5, value = 15, high = 30 });
        await Post($"/api/v1/rounds/{round1}/close", null, HttpStatusCode.OK);

        await Post($"/api/v1/studies/{studyId}/items/{items["rating5"]}/reword", new
        {
            text = new { nl = "Bewoners betalen in 2030 niet meer dan nu voor hun warmte.", en = "In 2030 residents pay no more for their heat than they do now." },
            reason = new { nl = "Het jaar stond er niet bij; dat was onduidelijk.", en = "The year was missing, which was unclear." },
        }, HttpStatusCode.OK);
        await Post($"/api/v1/studies/{studyId}/items/{items["retired"]}/retire", null, HttpStatusCode.OK);

        AllKindsRound2 = await RoundAsync(studyId, new { mode = "live", closesAt = DateTimeOffset.UtcNow.AddDays(7) });
        // A few answers in round 2 so the live figures show.
        for (var i = 4; i < 8; i++)
        {
            await AnswerAsync(panel[i].Token, AllKindsRound2, new { itemId = items["rating"], value = 5 + i % 2 });
            await AnswerAsync(panel[i].Token, AllKindsRound2, new { itemId = items["numeric"], low = 20, value = 30, high = 40 + i });
        }
        ParticipantTokens["round2"] = panel[0].Token;  // sees round 1's outcome, their previous answer, arguments
        ParticipantTokens["keyboard"] = panel[1].Token; // answers the whole questionnaire with the keyboard
        ParticipantTokens["answering"] = panel[2].Token; // saves answers through the form (errors, notices)
        ErasableParticipant = panel[3].Id;
        KeyboardParticipant = panel[1].Id;
        for (var i = 8; i < panel.Count; i++) ParticipantTokens[$"spare{i - 8}"] = panel[i].Token; // answer in round 2 while a test watches
    }

    private async Task<long> SeedModeStudyAsync(string mode)
    {
        var (studyId, panel) = await CreateStudyAsync($"Warmtevisie ({mode})", perGroup: 1);
        var item = await AddItemAsync(studyId, new { kind = "rating", scale = new { min = 1, max = 7 }, text = new { nl = "Warmte is betaalbaar.", en = "Heat is affordable." } });
        var round = await RoundAsync(studyId, new { mode });
        await AnswerAsync(panel[1].Token, round, new { itemId = item, value = 5, rationale = "Met een vaste prijs wel." });
        await AnswerAsync(panel[2].Token, round, new { itemId = item, value = 3 });
        ParticipantTokens[mode] = panel[0].Token;           // has not answered yet
        ParticipantTokens[mode + "-answered"] = panel[1].Token; // answered: in a blind round the panel's answer is now revealed
        return studyId;
    }

    private async Task SeedIdeasStudyAsync()
    {
        var (studyId, panel) = await CreateStudyAsync("Warmtevisie (ideeënronde)", perGroup: 1);
        IdeasStudy = studyId;
        await AddItemAsync(studyId, new { kind = "text", text = new { nl = "Wat moet er geregeld zijn om mee te doen?", en = "What must be arranged for you to take part?" } });
        await RoundAsync(studyId, new { kind = "ideas" });
        await AnswerAsync(panel[1].Token, (await RoundsAsync(studyId))[0], new { itemId = (await ItemsAsync(studyId))[0], text = "Een vaste prijs voor tien jaar." });
        ParticipantTokens["ideas"] = panel[0].Token;
    }

    private async Task<List<long>> RoundsAsync(long studyId) =>
        (await Scenario.Expect(await _api.GetAsync($"/api/v1/studies/{studyId}/rounds"), HttpStatusCode.OK))
        .EnumerateArray().Select(r => r.GetProperty("id").GetInt64()).ToList();

    private async Task<List<long>> ItemsAsync(long studyId) =>
        (await Scenario.Expect(await _api.GetAsync($"/api/v1/studies/{studyId}/items"), HttpStatusCode.OK))
        .EnumerateArray().Select(r => r.GetProperty("id").GetInt64()).ToList();

    private async Task SeedVisionStudiesAsync()
    {
        // Under review: a draft put to the panel.
        var review = await ClosedRatingStudyAsync("Warmtevisie (visie in bespreking)");
        ReviewStudy = review.StudyId;
        await Post($"/api/v1/studies/{review.StudyId}/vision/drafts", Draft(review.ItemId));
        await Post($"/api/v1/studies/{review.StudyId}/vision/review/open", null, HttpStatusCode.OK);
        ParticipantTokens["reviewer"] = review.Panel[0].Token;

        // Frozen, with two signatories; the first signs in the browser.
        var frozen = await ClosedRatingStudyAsync("Warmtevisie (vastgesteld)");
        FrozenStudy = frozen.StudyId;
        ParticipantTokens["finished"] = frozen.Panel[1].Token; // the rounds are over
        await Post($"/api/v1/studies/{frozen.StudyId}/vision/drafts", Draft(frozen.ItemId));
        FrozenDocumentHash = (await Post($"/api/v1/studies/{frozen.StudyId}/vision/freeze", null)).GetProperty("sha256").GetString()!;
        SignedToken = (await Post($"/api/v1/studies/{frozen.StudyId}/signatories", new { name = "Ans de Wit", organisation = "Woonstichting Voorbeeld", role = "Directeur", email = "ans@example.org" }))
            .GetProperty("token").GetString()!;
        UnsignedToken = (await Post($"/api/v1/studies/{frozen.StudyId}/signatories", new { name = "Piet Bakker", organisation = "Netbeheer Voorbeeld", role = "Bestuurder", email = "piet@example.org" }))
            .GetProperty("token").GetString()!;
        await using var context = await Browser.NewPersonAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url("/sign/" + SignedToken).ToString());
        await page.Locator("#confirm").CheckAsync();
        await page.Locator("form button[type=submit]").Last.ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(Url($"/sign/{SignedToken}/receipt").ToString());
    }

    private static object Draft(long itemId) => new
    {
        title = "Gezamenlijke warmtevisie Voorbeeldstad 2030",
        preamble = "De partijen zijn het **eens** over het volgende.",
        statements = new object[]
        {
            new { text = "Restwarmte uit de haven is de **belangrijkste bron** van warmte.", itemIds = new[] { itemId } },
            new { text = "Over de prijs voor bewoners praten we verder.", itemIds = new[] { itemId } },
        },
    };

    private async Task<(long StudyId, long ItemId, List<(long Id, string Group, string Token)> Panel)> ClosedRatingStudyAsync(string title)
    {
        var (studyId, panel) = await CreateStudyAsync(title, perGroup: 3);
        var item = await AddItemAsync(studyId, new { kind = "rating", scale = new { min = 1, max = 7 }, text = new { nl = "Restwarmte is de belangrijkste bron.", en = "Residual heat is the main source." } });
        var round = await RoundAsync(studyId, new { mode = "live" });
        for (var i = 0; i < panel.Count; i++) await AnswerAsync(panel[i].Token, round, new { itemId = item, value = 6 + i % 2 });
        await Post($"/api/v1/rounds/{round}/close", null, HttpStatusCode.OK);
        return (studyId, item, panel);
    }
}

[CollectionDefinition(Name)]
public sealed class PeopleCollection : ICollectionFixture<PeopleWorld>
{
    public const string Name = "people";
}
