using DelphiRounds.Agenda;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace DelphiRounds.Pages.AgendaPublic;

/// <summary>
/// The public agenda of a study with a signed vision: per indicator its target and measured values, and what the
/// signing organisations committed to. Linked from, and checked by, the public verification page.
/// </summary>
public sealed class IndexModel(AgendaService service) : PageModel
{
    public AgendaView? View { get; private set; }

    public async Task<IActionResult> OnGetAsync(long studyId)
    {
        View = await service.ViewAsync(studyId);
        if (View is null) Response.StatusCode = 404;
        return Page();
    }
}
