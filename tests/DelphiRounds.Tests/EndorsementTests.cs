using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using DelphiRounds.Endorsement;
using DelphiRounds.Testing;

namespace DelphiRounds.Tests;

/// <summary>Signing with one-time links, the append-only ledger, withdrawals, receipts, the public page and erasure.</summary>
public sealed partial class EndorsementTests(DelphiApp app) : IClassFixture<DelphiApp>
{
    [GeneratedRegex("name=\"__RequestVerificationToken\" type=\"hidden\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    private static string Antiforgery(string html) => AntiforgeryField().Match(html).Groups[1].Value;

    private long Entries(long studyId) => DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM ledger_entries WHERE study_id = {studyId}");

    /// <summary>Opens the link and posts the signing form, as a browser without script would.</summary>
    private async Task<HttpResponseMessage> SignAsync(HttpClient browser, SignatoryLink link, bool confirm = true)
    {
        var page = await browser.GetStringAsync($"/sign/{link.Token}");
        var form = new Dictionary<string, string> { ["__RequestVerificationToken"] = Antiforgery(page) };
        if (confirm) form["Confirm"] = "true";
        form["Mandate"] = "Statutair directeur";
        return await browser.PostAsync($"/sign/{link.Token}", new FormUrlEncodedContent(form));
    }

    [Fact]
    public async Task Opening_the_link_shows_the_document_its_hash_and_the_statement_of_intent_and_never_signs()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 1);
        var link = v.Signatories[0];
        Assert.Matches($"/sign/{EndorsementStore.TokenPrefix}[A-Za-z0-9_-]{{43}}$", link.Url);
        var before = DatabaseDump.Take(app.DatabasePath);

        // What a mail scanner does: GET (and HEAD) the link, several times, without cookies.
        for (var i = 0; i < 3; i++)
        {
            var response = await app.Client().GetAsync($"/sign/{link.Token}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
            var html = await response.Content.ReadAsStringAsync();
            Assert.Contains(v.DocumentHash, html);
            Assert.Contains("Restwarmte is de <strong>belangrijkste bron</strong>.", html);
            Assert.Contains("Ondertekenen namens Organisatie 1 (test)", html);
            Assert.Contains($"Namens Organisatie 1 (test) onderschrijf ik, in de functie van Directeur, de gezamenlijke visie", html);
            Assert.Matches("<input[^>]*type=\"checkbox\"[^>]*name=\"Confirm\"[^>]*required", html);
        }
        using var head = new HttpRequestMessage(HttpMethod.Head, $"/sign/{link.Token}");
        Assert.Equal(HttpStatusCode.OK, (await app.Client().SendAsync(head)).StatusCode);
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
        Assert.Equal(0, Entries(v.StudyId));
    }

    [Fact]
    public async Task Signing_needs_the_explicit_confirmation()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 1);
        var browser = app.Client(followRedirects: false);
        var page = await browser.GetStringAsync($"/sign/{v.Signatories[0].Token}");
        var before = DatabaseDump.Take(app.DatabasePath);
        var refused = await browser.PostAsync($"/sign/{v.Signatories[0].Token}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__RequestVerificationToken"] = Antiforgery(page),
        }));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("id=\"confirm-error\"", await refused.Content.ReadAsStringAsync());
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
        // And without the anti-forgery token nothing happens either.
        var forged = await app.Client().PostAsync($"/sign/{v.Signatories[0].Token}", new FormUrlEncodedContent(new Dictionary<string, string> { ["Confirm"] = "true" }));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Equal(before, DatabaseDump.Take(app.DatabasePath));
    }

    [Fact]
    public async Task A_signature_appends_to_the_ledger_and_spends_the_link_which_cannot_sign_again()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 2);
        var browser = app.Client(followRedirects: false);
        var signed = await SignAsync(browser, v.Signatories[0]);
        Assert.Equal(HttpStatusCode.SeeOther, signed.StatusCode);
        Assert.Equal($"/sign/{v.Signatories[0].Token}/receipt", signed.Headers.Location!.OriginalString);
        Assert.Equal(1, Entries(v.StudyId));
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM signatories WHERE id = {v.Signatories[0].Id} AND spent_at IS NOT NULL"));

        // Posting again with the same link (a reload, a second tab, a replay) signs nothing.
        var page = await app.Client().GetAsync($"/sign/{v.Signatories[0].Token}");
        Assert.Equal($"/sign/{v.Signatories[0].Token}/receipt", page.RequestMessage!.RequestUri!.AbsolutePath); // a spent link shows the receipt
        var fresh = app.Client(followRedirects: false);
        var tokenPage = await fresh.GetAsync($"/sign/{v.Signatories[1].Token}"); // any page gives an anti-forgery token for this client
        var again = await fresh.PostAsync($"/sign/{v.Signatories[0].Token}", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Confirm"] = "true", ["__RequestVerificationToken"] = Antiforgery(await tokenPage.Content.ReadAsStringAsync()),
        }));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Contains("Met deze link is al getekend", await again.Content.ReadAsStringAsync());
        Assert.Equal(1, Entries(v.StudyId));

        var ledger = await VisionScenario.LedgerAsync(app, v.StudyId);
        Assert.True(LedgerVerifier.Verify(JsonNode.Parse(ledger.GetRawText())).Verifies);
        var entry = ledger.GetProperty("entries")[0];
        Assert.Equal("endorsement", entry.GetProperty("kind").GetString());
        Assert.Equal("Organisatie 1 (test)", entry.GetProperty("organisation").GetString());
        Assert.Equal(v.DocumentHash, entry.GetProperty("documentHash").GetString());
        Assert.Equal(LedgerFormat.Genesis, entry.GetProperty("previousHash").GetString());
        Assert.Equal("Ondertekenaar 1", entry.GetProperty("disclosure").GetProperty("name").GetString());
        Assert.DoesNotContain("signatory1@example.org", ledger.GetRawText()); // only a commitment to the e-mail
        Assert.Equal(1, ledger.GetProperty("head").GetProperty("sequence").GetInt64());
    }

    [Fact]
    public async Task Two_simultaneous_posts_with_one_link_make_exactly_one_entry()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 1);
        var browsers = Enumerable.Range(0, 4).Select(_ => app.Client(followRedirects: false)).ToList();
        var forms = new List<(HttpClient, string)>();
        foreach (var b in browsers) forms.Add((b, Antiforgery(await b.GetStringAsync($"/sign/{v.Signatories[0].Token}"))));
        var results = await Task.WhenAll(forms.Select(f => f.Item1.PostAsync($"/sign/{v.Signatories[0].Token}",
            new FormUrlEncodedContent(new Dictionary<string, string> { ["Confirm"] = "true", ["Mandate"] = "Statutair directeur", ["__RequestVerificationToken"] = f.Item2 }))));
        Assert.Equal(1, results.Count(r => r.StatusCode == HttpStatusCode.SeeOther));
        Assert.Equal(3, results.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        Assert.Equal(1, Entries(v.StudyId));
    }

    [Fact]
    public async Task The_receipt_holds_the_entry_and_the_head_signed_at_that_moment_and_verifies_offline()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 2);
        await SignAsync(app.Client(), v.Signatories[0]);
        await SignAsync(app.Client(), v.Signatories[1]);

        var html = await app.Client().GetStringAsync($"/sign/{v.Signatories[1].Token}/receipt");
        Assert.Contains("Bewijs van ondertekening", html);
        Assert.Contains("data-sequence>2<", html);
        Assert.Contains("@media print", await app.Client().GetStringAsync("/css/vision.css"));

        var response = await app.Client().GetAsync($"/sign/{v.Signatories[1].Token}/receipt.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var receipt = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(2, receipt["entry"]!["sequence"]!.GetValue<long>());
        Assert.Equal(2, receipt["head"]!["sequence"]!.GetValue<long>());
        Assert.Equal(receipt["entry"]!["hash"]!.GetValue<string>(), receipt["head"]!["headHash"]!.GetValue<string>());
        Assert.Equal("signatory2@example.org", receipt["signatory"]!["email"]!.GetValue<string>());
        var verified = LedgerVerifier.VerifyReceipt(receipt);
        Assert.True(verified.Verifies, verified.Message);

        // The receipt still proves the signature after a later entry: its head is the one of that moment.
        var ledger = await VisionScenario.LedgerAsync(app, v.StudyId);
        Assert.Equal(receipt["entry"]!["hash"]!.GetValue<string>(), ledger.GetProperty("entries")[1].GetProperty("hash").GetString());

        // A receipt whose e-mail was changed does not verify; an unknown link has no receipt.
        receipt["signatory"]!["email"] = "someone.else@example.org";
        Assert.Equal("receipt: the e-mail address does not match its commitment", LedgerVerifier.VerifyReceipt(receipt).Message);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client().GetAsync($"/sign/{EndorsementStore.TokenPrefix}{new string('Q', 43)}/receipt.json")).StatusCode);
    }

    [Fact]
    public async Task A_withdrawal_is_appended_from_the_receipt_and_shows_on_the_public_page_with_the_endorsement_kept()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 2);
        await SignAsync(app.Client(), v.Signatories[0]);
        await SignAsync(app.Client(), v.Signatories[1]);
        var browser = app.Client(followRedirects: false);
        var receipt = await browser.GetStringAsync($"/sign/{v.Signatories[0].Token}/receipt");

        var unconfirmed = await browser.PostAsync($"/sign/{v.Signatories[0].Token}/receipt?handler=Withdraw", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Reason"] = "Besluit uitgesteld.", ["__RequestVerificationToken"] = Antiforgery(receipt),
        }));
        Assert.Equal(HttpStatusCode.BadRequest, unconfirmed.StatusCode);
        Assert.Equal(2, Entries(v.StudyId));

        var withdrawn = await browser.PostAsync($"/sign/{v.Signatories[0].Token}/receipt?handler=Withdraw", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ConfirmWithdraw"] = "true", ["Reason"] = "Besluit uitgesteld.", ["__RequestVerificationToken"] = Antiforgery(receipt),
        }));
        Assert.Equal(HttpStatusCode.SeeOther, withdrawn.StatusCode);
        Assert.Equal(3, Entries(v.StudyId));
        var again = await browser.PostAsync($"/sign/{v.Signatories[0].Token}/receipt?handler=Withdraw", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["ConfirmWithdraw"] = "true", ["__RequestVerificationToken"] = Antiforgery(receipt),
        }));
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal(3, Entries(v.StudyId));

        var ledger = await VisionScenario.LedgerAsync(app, v.StudyId);
        var last = ledger.GetProperty("entries")[2];
        Assert.Equal("withdrawal", last.GetProperty("kind").GetString());
        Assert.Equal(1, last.GetProperty("withdraws").GetInt64());
        Assert.Equal("Besluit uitgesteld.", last.GetProperty("reason").GetString());

        var page = await app.Client().GetStringAsync($"/verify/{v.StudyId}");
        Assert.Contains("data-verifies=\"true\"", page);
        Assert.Contains("data-endorsement=\"1\" data-withdrawn=\"true\"", page);
        Assert.Contains("data-endorsement=\"2\" data-withdrawn=\"false\"", page);
        Assert.Contains("data-withdrawal=\"3\"", page);
        Assert.Contains("Besluit uitgesteld.", page);
        Assert.Contains("data-organisation-count=\"1\"", page); // one organisation still endorses
        var receiptAfter = JsonNode.Parse(await app.Client().GetStringAsync($"/sign/{v.Signatories[0].Token}/receipt.json"))!;
        Assert.Equal(3, receiptAfter["withdrawal"]!["entry"]!["sequence"]!.GetValue<long>());
        Assert.True(LedgerVerifier.VerifyReceipt(receiptAfter).Verifies);
    }

    [Fact]
    public async Task The_ledger_tables_refuse_updates_and_deletes()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 1);
        await SignAsync(app.Client(), v.Signatories[0]);
        using var c = DatabaseDump.Open(app.DatabasePath, write: true);
        foreach (var sql in new[]
        {
            $"UPDATE ledger_entries SET organisation = 'X' WHERE study_id = {v.StudyId}",
            $"DELETE FROM ledger_entries WHERE study_id = {v.StudyId}",
            $"UPDATE ledger_heads SET signature = 'X' WHERE study_id = {v.StudyId}",
            $"DELETE FROM ledger_heads WHERE study_id = {v.StudyId}",
        })
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            var e = Assert.ThrowsAny<System.Data.Common.DbException>(() => cmd.ExecuteNonQuery());
            Assert.Contains("append-only", e.Message);
        }
        Assert.Equal(1, Entries(v.StudyId));
    }

    [Theory]
    [InlineData("organisation", "'Iemand anders (test)'")]
    [InlineData("statement", "'Ik onderschrijf niets.'")]
    [InlineData("previous_hash", "'0000000000000000000000000000000000000000000000000000000000000001'")]
    [InlineData("recorded_at", "'2031-01-01 00:00:00+00:00'")]
    [InlineData("entry_hash", "'aaaa' || substr(entry_hash, 5)")]
    public async Task Tampering_with_a_ledger_row_in_the_database_makes_verification_fail_at_that_row(string column, string value)
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 3);
        foreach (var s in v.Signatories) await SignAsync(app.Client(), s);
        Assert.True(LedgerVerifier.Verify(JsonNode.Parse((await VisionScenario.LedgerAsync(app, v.StudyId)).GetRawText())).Verifies);

        // Someone with database access lifts the guard and changes row 2.
        var update = $"UPDATE ledger_entries SET {column} = {value} WHERE study_id = {v.StudyId} AND sequence = 2;";
        DatabaseDump.Execute(app.DatabasePath, DatabaseDump.IsPostgres(app.DatabasePath)
            ? $"""
                ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only;
                {update.Replace("substr(", "substring(", StringComparison.Ordinal)}
                ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only;
                """
            : $"""
                DROP TRIGGER ledger_entries_append_only_update;
                {update}
                CREATE TRIGGER ledger_entries_append_only_update BEFORE UPDATE ON ledger_entries
                BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
                """);

        var response = await app.Client().GetAsync($"/api/v1/studies/{v.StudyId}/ledger");
        Assert.StartsWith("entry 2 (sequence 2): ", response.Headers.GetValues("X-Ledger-Verification").Single());
        var result = LedgerVerifier.Verify(JsonNode.Parse(await response.Content.ReadAsStringAsync()));
        Assert.False(result.Verifies);
        Assert.Equal(2, result.BrokenEntry);

        var page = await app.Client().GetStringAsync($"/verify/{v.StudyId}");
        Assert.Contains("data-verifies=\"false\"", page);
        Assert.Contains("Het register klopt niet", page);
        Assert.Contains("data-verification-message>entry 2 (sequence 2): ", page);
    }

    [Fact]
    public async Task Erasing_a_signatory_removes_their_identity_but_the_ledger_still_verifies()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 2);
        await SignAsync(app.Client(), v.Signatories[0]);
        await SignAsync(app.Client(), v.Signatories[1]);
        var f = v.Study.Facilitator;
        await Scenario.Expect(await f.PostAsync($"/api/v1/studies/{v.StudyId}/signatories/{v.Signatories[0].Id}/erase", null), HttpStatusCode.OK);

        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath,
            $"SELECT COUNT(*) FROM signatory_identities WHERE signatory_id = {v.Signatories[0].Id} AND name IS NULL AND email IS NULL AND salt IS NULL AND name_salt IS NULL AND erased_at IS NOT NULL"));
        Assert.DoesNotContain("Ondertekenaar 1", DatabaseDump.Take(app.DatabasePath));
        Assert.DoesNotContain("signatory1@example.org", DatabaseDump.Take(app.DatabasePath));

        var ledger = await VisionScenario.LedgerAsync(app, v.StudyId);
        var result = LedgerVerifier.Verify(JsonNode.Parse(ledger.GetRawText()));
        Assert.True(result.Verifies, result.Message);
        Assert.True(ledger.GetProperty("entries")[0].GetProperty("disclosure").GetProperty("erased").GetBoolean());
        Assert.Equal("Ondertekenaar 2", ledger.GetProperty("entries")[1].GetProperty("disclosure").GetProperty("name").GetString());
        var page = await app.Client().GetStringAsync($"/verify/{v.StudyId}");
        Assert.Contains("data-verifies=\"true\"", page);
        Assert.Contains("(naam gewist)", page);
        var list = await Scenario.Expect(await f.GetAsync($"/api/v1/studies/{v.StudyId}/signatories"), HttpStatusCode.OK);
        var erased = list.EnumerateArray().Single(s => s.GetProperty("id").GetInt64() == v.Signatories[0].Id);
        Assert.True(erased.GetProperty("erased").GetBoolean());
        Assert.Equal(JsonValueKind.Null, erased.GetProperty("email").ValueKind);
        Assert.Equal("signed", erased.GetProperty("state").GetString());

        // A panel member's identity goes the same way; their pseudonymous answers stay.
        var p = v.Study.Participants[0];
        var answers = DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE participant_id = {p.Id}");
        await Scenario.Expect(await f.PostAsync($"/api/v1/studies/{v.StudyId}/participants/{p.Id}/erase", null), HttpStatusCode.OK);
        Assert.Equal(1, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM participant_identities WHERE participant_id = {p.Id} AND name IS NULL AND email IS NULL AND erased_at IS NOT NULL"));
        Assert.Equal(answers, DatabaseDump.Count(app.DatabasePath, $"SELECT COUNT(*) FROM answers WHERE participant_id = {p.Id}"));
        Assert.True(LedgerVerifier.Verify(JsonNode.Parse((await VisionScenario.LedgerAsync(app, v.StudyId)).GetRawText())).Verifies);
    }

    [Fact]
    public async Task Signatories_come_after_the_freeze_and_a_new_link_replaces_an_unused_one()
    {
        var s = await VisionScenario.AnsweredAndClosedAsync(app);
        await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/signatories",
            new { name = "A", organisation = "B", role = "C", email = "a@example.org" }), HttpStatusCode.Conflict);
        var bad = await Scenario.Expect(await s.Facilitator.PostJsonAsync($"/api/v1/studies/{s.StudyId}/signatories",
            new { name = "A", organisation = "B", role = "C", email = "not an address" }), HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("email", out _));

        var v = await VisionScenario.FrozenAsync(app, signatories: 1);
        var old = v.Signatories[0];
        var renewed = await Scenario.Expect(await v.Study.Facilitator.PostAsync($"/api/v1/studies/{v.StudyId}/signatories/{old.Id}/link", null), HttpStatusCode.OK);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client().GetAsync($"/sign/{old.Token}")).StatusCode);
        var link = old with { Token = renewed.GetProperty("token").GetString()! };
        Assert.Equal(HttpStatusCode.SeeOther, (await SignAsync(app.Client(followRedirects: false), link)).StatusCode);
        await Scenario.Expect(await v.Study.Facilitator.PostAsync($"/api/v1/studies/{v.StudyId}/signatories/{old.Id}/link", null), HttpStatusCode.Conflict);
        // Another facilitator sees none of it.
        var (_, otherToken, _, _) = await app.FacilitatorAsync();
        await Scenario.Expect(await app.Client(otherToken).GetAsync($"/api/v1/studies/{v.StudyId}/signatories"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_public_key_is_published_and_is_the_one_that_signs_the_heads()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 1);
        var key = await Scenario.Expect(await app.Client().GetAsync("/api/v1/endorsement/key"), HttpStatusCode.OK);
        var ledger = await VisionScenario.LedgerAsync(app, v.StudyId);
        Assert.Equal(key.GetProperty("fingerprint").GetString(), ledger.GetProperty("head").GetProperty("keyFingerprint").GetString());
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", key.GetProperty("pem").GetString());
        // The key lives where the settings say (here: in the test's keys folder), as an owner-only file.
        var path = Path.Combine(app.DataFolder, "keys", EndorsementOptions.DefaultKeyFile);
        Assert.True(File.Exists(path));
        Assert.Equal(0, ledger.GetProperty("entries").GetArrayLength());
        Assert.True(LedgerVerifier.Verify(JsonNode.Parse(ledger.GetRawText())).Verifies);
    }

    [Fact]
    public async Task Delphi_verify_checks_a_downloaded_ledger_and_names_the_first_broken_entry()
    {
        var v = await VisionScenario.FrozenAsync(app, signatories: 3);
        foreach (var s in v.Signatories) await SignAsync(app.Client(), s);
        var text = await app.Client().GetStringAsync($"/api/v1/studies/{v.StudyId}/ledger");
        var folder = Path.Combine(app.DataFolder, "cli");
        Directory.CreateDirectory(folder);
        var good = Path.Combine(folder, "ledger.json");
        File.WriteAllText(good, text);
        var (code, output, _) = Verify(good);
        Assert.Equal(0, code);
        var fingerprint = JsonNode.Parse(text)!["publicKey"]!["fingerprint"]!.GetValue<string>();
        Assert.Equal($"ledger verifies: 3 entries, head signed by {fingerprint}", output.Trim());

        var tampered = JsonNode.Parse(text)!;
        tampered["entries"]![1]!["previousHash"] = LedgerFormat.Genesis;
        var bad = Path.Combine(folder, "tampered.json");
        File.WriteAllText(bad, tampered.ToJsonString());
        (code, output, _) = Verify(bad);
        Assert.Equal(1, code);
        Assert.Equal("entry 2 (sequence 2): previous hash does not match", output.Trim());

        var notJson = Path.Combine(folder, "not.json");
        File.WriteAllText(notJson, "{ this is not");
        string error;
        (code, _, error) = Verify(notJson);
        Assert.Equal(2, code);
        Assert.StartsWith($"{notJson}: not JSON", error);
        (code, _, error) = Verify(Path.Combine(folder, "missing.json"));
        Assert.Equal(2, code);
        Assert.EndsWith("no such file", error.Trim());

        // A receipt is recognised and checked too.
        var receipt = Path.Combine(folder, "receipt.json");
        File.WriteAllText(receipt, await app.Client().GetStringAsync($"/sign/{v.Signatories[2].Token}/receipt.json"));
        (code, output, _) = Verify(receipt);
        Assert.Equal(0, code);
        Assert.StartsWith("receipt verifies: 1 entry, head signed by ", output);
    }

    private static (int Code, string Out, string Err) Verify(string path)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = DelphiRounds.Cli.Verify.VerifyCommand.Run([path], TextReader.Null, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
