# Lightning's manual optimization: each optimizer that self.optimizers() hands back steps
# after its own backward. The actor's step was lost: its gradients are cleared right after
# the backward, and only the critic's optimizer steps, so the actor never learns.
import lightning as L
import torch


class PPO(L.LightningModule):
    def __init__(self, actor: torch.nn.Module, critic: torch.nn.Module):
        super().__init__()
        self.actor = actor
        self.critic = critic
        self.automatic_optimization = False

    def training_step(self, batch):
        state, advantage, target = batch
        optimizer_actor, optimizer_critic = self.optimizers()

        loss_actor = -(self.actor(state) * advantage).mean()
        self.manual_backward(loss_actor)  # GL101
        optimizer_actor.zero_grad()

        loss_critic = (self.critic(state) - target).pow(2).mean()
        self.manual_backward(loss_critic)
        optimizer_critic.step()
        optimizer_critic.zero_grad()

    def configure_optimizers(self):
        return (
            torch.optim.Adam(self.actor.parameters()),
            torch.optim.Adam(self.critic.parameters()),
        )
