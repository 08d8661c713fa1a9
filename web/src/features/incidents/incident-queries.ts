// Incidents: the open ones (overview, header), a list and one incident with its tickets.
import { graphql } from '../../gql';

export const IncidentCardFragment = graphql(`
  fragment IncidentCard_incident on Incident {
    id
    cause
    scope
    status
    severity
    summary
    openedAt
    resolvedAt
    sensorCount
    source
    zone {
      id
      name
    }
  }
`);

export const OpenIncidentsQuery = graphql(`
  query OpenIncidents {
    incidents(filter: { status: [OPEN, ACKNOWLEDGED] }, first: 20) {
      totalCount
      nodes {
        id
        cause
        ...IncidentCard_incident
      }
    }
  }
`);

export const IncidentUpdatedSubscription = graphql(`
  subscription IncidentUpdated {
    incidentUpdated {
      id
      status
      sensorCount
    }
  }
`);

export const IncidentListQuery = graphql(`
  query IncidentList($first: Int) {
    incidents(first: $first) {
      totalCount
      nodes {
        id
        ...IncidentCard_incident
      }
    }
  }
`);

export const IncidentQuery = graphql(`
  query IncidentDetail($id: ID!) {
    incident(id: $id) {
      id
      status
      ...IncidentCard_incident
      tickets(first: 500) {
        totalCount
        nodes {
          id
          ...TicketCard_ticket
        }
      }
    }
  }
`);

export const AcknowledgeIncidentMutation = graphql(`
  mutation AcknowledgeIncident($id: ID!) {
    acknowledgeIncident(id: $id) {
      id
      status
    }
  }
`);

export const ResolveIncidentMutation = graphql(`
  mutation ResolveIncident($id: ID!, $note: String) {
    resolveIncident(id: $id, note: $note) {
      id
      status
      resolvedAt
    }
  }
`);
