using System.Text.Json;
using DelphiRounds.Agenda;
using DelphiRounds.Studies;
using Microsoft.AspNetCore.Mvc;

namespace DelphiRounds.Pages.Facilitator;

/// <summary>
/// The reflection round form on the agenda page (issue 21): the facilitator starts a reflection round, keeping the locked rules or
/// changing them with a reason, which is recorded. Errors stand next to their field and nothing changes.
/// </summary>
public sealed partial class AgendaModel
{
    [BindProperty] public string? ReflectionMode { get; set; }
    [BindProperty] public string? ReflectionCriteria { get; set; }
    [BindProperty] public string? ReflectionReason { get; set; }

    /// <summary>The study's reflection rounds, oldest first.</summary>
    public IReadOnlyList<ReflectionRoundResponse> Reflections { get; private set; } = [];

    private ReflectionService Reflection => HttpContext.RequestServices.GetRequiredService<ReflectionService>();

    /// <summary>Loads what the reflection form shows.</summary>
    public async Task LoadReflectionsAsync(long studyId) => Reflections = await Reflection.ListAsync(studyId);

    public async Task<IActionResult> OnPostReflectAsync(long studyId)
    {
        if (!await LoadAsync(studyId)) return NotFound();
        ModelState.Clear();
        await LoadReflectionsAsync(studyId);
        ConsensusRules? criteria = null;
        if (!string.IsNullOrWhiteSpace(ReflectionCriteria))
        {
            try { criteria = JsonSerializer.Deserialize<ConsensusRules>(ReflectionCriteria, new JsonSerializerOptions(JsonSerializerDefaults.Web)); }
            catch (JsonException) { criteria = null; }
            if (criteria is null)
            {
                ModelState.AddModelError(nameof(ReflectionCriteria), t["reflection.start.criteriaInvalid"]);
                Response.StatusCode = 400;
                return Page();
            }
        }
        var (started, status, field, message) = await Reflection.StartAsync(Study, new ReflectionRoundRequest
        {
            Mode = ReflectionMode, Criteria = criteria, Reason = ReflectionReason,
        });
        if (started is null)
        {
            var name = field switch
            {
                "reason" => nameof(ReflectionReason),
                "mode" => nameof(ReflectionMode),
                { } f when f.StartsWith("criteria", StringComparison.Ordinal) => nameof(ReflectionCriteria),
                _ => nameof(ReflectionMode),
            };
            ModelState.AddModelError(name, message!);
            Response.StatusCode = status;
            return Page();
        }
        Notice = t["reflection.start.started", started.Number];
        return Redirect($"/f/studies/{studyId}/agenda");
    }
}
