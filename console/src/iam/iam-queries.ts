import { graphql } from '../graphql';

export const IamQuery = graphql(`
  query Iam {
    users {
      id
      name
      isAdmin
      createdAt
      accessKeys {
        accessKey
        createdAt
        lastUsedAt
        enabled
      }
    }
    policies {
      id
      name
      description
      statements {
        effect
        actions
      }
    }
    policyAttachments {
      id
      user {
        id
      }
      policy {
        id
        name
      }
      enterpriseProjects {
        id
        name
      }
    }
    actionCatalog {
      name
      description
      adminOnly
    }
  }
`);
