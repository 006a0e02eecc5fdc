using System.Globalization;
using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;

namespace DelphiRounds.Agenda;

/// <summary>
/// The due dates of a signed vision's commitments as an iCalendar feed (RFC 5545, written with Ical.Net): one all-day
/// event per commitment on its due date, with its organisation, status and a link to the agenda page.
/// </summary>
public static class AgendaCalendar
{
    public const string ContentType = "text/calendar";

    public static string Write(AgendaView view, string agendaUrl, string host)
    {
        var calendar = new Ical.Net.Calendar { ProductId = "-//DelphiRounds//Agenda//EN" };
        calendar.AddProperty("X-WR-CALNAME", $"{view.Vision.Title}: due dates");
        foreach (var c in view.Commitments)
        {
            var organisation = view.Signatories.GetValueOrDefault(c.SignatoryId)?.Organisation ?? "";
            var due = DateOnly.ParseExact(c.DueOn, "yyyy-MM-dd", CultureInfo.InvariantCulture);
            calendar.Events.Add(new CalendarEvent
            {
                Uid = $"commitment-{c.Id}-study-{view.StudyId}@{host}",
                Summary = $"{organisation}: {Shorten(c.Text, 120)}",
                Description = $"{c.Text}\nResponsible: {c.OwnerRole}\nStatus: {view.StatusOf(c)}\nLedger entry {c.LedgerSequence}\n{agendaUrl}",
                Start = new CalDateTime(due),
                End = new CalDateTime(due.AddDays(1)),
                Url = new Uri(agendaUrl),
                DtStamp = new CalDateTime(c.CreatedAt.UtcDateTime, "UTC"),
            });
        }
        return new CalendarSerializer().SerializeToString(calendar)!;
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)].TrimEnd() + "…";
}
