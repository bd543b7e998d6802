# ACKTR with a K-FAC optimizer: a first backward only feeds the optimizer's curvature hooks
# (switched on through an attribute of the optimizer); its .grad is cleared on purpose
# before the real backward and step.
import torch


class ACKTR:
    def __init__(self, actor_critic, optimizer):
        self.actor_critic = actor_critic
        self.optimizer = optimizer

    def update(self, obs, actions):
        values, log_probs = self.actor_critic.evaluate(obs, actions)
        value_loss = (values - torch.ones_like(values)).pow(2).mean()
        action_loss = -log_probs.mean()
        if self.optimizer.steps % 10 == 0:
            self.actor_critic.zero_grad()
            fisher_loss = -log_probs.mean() - values.mean()
            self.optimizer.acc_stats = True
            fisher_loss.backward(retain_graph=True)
            self.optimizer.acc_stats = False
        self.optimizer.zero_grad()
        (value_loss + action_loss).backward()
        self.optimizer.step()
        return value_loss.item()
